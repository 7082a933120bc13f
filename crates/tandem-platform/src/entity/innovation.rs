//! The record types of innovation cooperation (issue #17, part 4): universities and research
//! institutes of a pair, their platforms, the technology capabilities they offer, enterprises'
//! technology needs, matches of the two, cooperation projects from a match with their
//! milestones, and patents and licences. `crate::innovation` scores needs against capabilities
//! through the matching engine, stores matches and counts what a pair has achieved.
//!
//! Rules the descriptors carry:
//! * an institute belongs to a pair and a side; its platforms and capabilities take the
//!   institute's pair (a capability also its side), derived here and kept equal by the
//!   migration's triggers when the institute moves;
//! * a need names its enterprise and the pair whose bureau handles it; an enterprise user's
//!   needs are its own ([`Rules::enterprise_binding`]);
//! * sectors are codes of the matching engine's 42-sector table (`18`), so every need and
//!   capability can be scored;
//! * a match is created by the workflow only (`crate::innovation::create_match`): every field
//!   but its status is managed;
//! * a project takes its match's pair, a milestone its project's; a patent or licence names
//!   its pair, and a project it came from must be of that pair; a licence names its licensee.

use super::{derived, f, filtered, Entity, Field, IdKind, Kind, Rules, SIDES};
use crate::db::{Conn, Value};
use crate::error::{FieldError, PlatformError};
use crate::lists::list_items;
use serde_json::{Map, Value as Json};

/// Kinds of institute.
pub const INSTITUTE_KINDS: &[&str] = &["university", "research_institute", "other"];
/// Kinds of innovation platform.
pub const PLATFORM_KINDS: &[&str] = &["joint_lab", "tech_transfer_centre", "incubator"];
/// A technology need's status: `open`, `matched` (a project started from one of its matches)
/// or `closed`.
pub const NEED_STATUSES: &[&str] = &["open", "matched", "closed"];
/// A technology match's status, in workflow order (`declined` ends it before `project`).
pub const TECH_MATCH_STATUSES: &[&str] = &["proposed", "contacted", "project", "declined"];
/// Kinds of cooperation project.
pub const PROJECT_KINDS: &[&str] = &["agreement", "licence", "joint_rnd"];
/// A project's milestones, in the order they are reached: cooperation agreement signed,
/// licence granted or joint R&D started, a result (prototype, paper, patent filed), the result
/// commercialised. A project has reached the furthest one it has a dated record of.
pub const MILESTONES: &[&str] = &["agreement", "licence_or_rnd", "result", "commercialisation"];
/// Kinds of intellectual-property record.
pub const IP_KINDS: &[&str] = &["patent", "licence"];

/// A pair derived from the record's parent.
const DERIVED_PAIR: Field = filtered(derived(f(
    "pair_id",
    "pair_id",
    Kind::Ref("pairs"),
    false,
    "结对",
    "Pair",
)));

/// The pair a record belongs to, given.
const PAIR: Field = filtered(f(
    "pair_id",
    "pair_id",
    Kind::Ref("pairs"),
    true,
    "结对",
    "Pair",
));

/// The institute a platform or capability belongs to.
const INSTITUTE: Field = filtered(f(
    "institute_id",
    "institute_id",
    Kind::Ref("institutes"),
    true,
    "所属高校或院所",
    "Institute",
));

/// 42-sector codes of a need or capability.
const SECTORS: Field = f(
    "sectors",
    "sectors",
    Kind::List,
    true,
    "投入产出部门（42 部门代码，如 16、18）",
    "Input-output sectors (42-sector codes, e.g. 16, 18)",
);

/// Keywords of a need or capability.
const KEYWORDS: Field = f(
    "keywords",
    "keywords",
    Kind::List,
    false,
    "关键词（逗号分隔）",
    "Keywords (comma-separated)",
);

/// A university, research institute or other knowledge organisation on one side of a pair.
pub static INSTITUTES: Entity = Entity {
    name: "institutes",
    table: "institutes",
    id_kind: IdKind::Serial,
    zh: "高校与科研院所",
    en: "Universities and institutes",
    title: "name",
    rules: Rules::NONE,
    fields: &[
        PAIR,
        filtered(f(
            "side",
            "side",
            Kind::Enum(SIDES),
            true,
            "所属方（helper 支援方 / helped 受援方）",
            "Side",
        )),
        f("name", "name", Kind::Text(200), true, "名称", "Name"),
        filtered(f(
            "kind",
            "kind",
            Kind::Enum(INSTITUTE_KINDS),
            true,
            "类型（university 高校 / research_institute 科研院所 / other 其他）",
            "Kind",
        )),
        f(
            "locality_id",
            "locality_id",
            Kind::Text(64),
            false,
            "所在地（地区编号，如 js-xuzhou；空则取结对该方城市）",
            "Locality (id, e.g. js-xuzhou; the pair's city of its side if empty)",
        ),
        f("source", "source", Kind::Text(500), false, "来源", "Source"),
    ],
};

/// A joint lab, technology transfer centre or incubator of an institute.
pub static INNOVATION_PLATFORMS: Entity = Entity {
    name: "innovation_platforms",
    table: "innovation_platforms",
    id_kind: IdKind::Serial,
    zh: "创新平台",
    en: "Innovation platforms",
    title: "name",
    rules: Rules {
        check: Some(derive_institute_pair),
        derived: &["pair_id"],
        ..Rules::NONE
    },
    fields: &[
        INSTITUTE,
        DERIVED_PAIR,
        filtered(f(
            "kind",
            "kind",
            Kind::Enum(PLATFORM_KINDS),
            true,
            "类型（joint_lab 联合实验室 / tech_transfer_centre 技术转移中心 / incubator 孵化器）",
            "Kind",
        )),
        f("name", "name", Kind::Text(200), true, "名称", "Name"),
        filtered(f(
            "side",
            "side",
            Kind::Enum(SIDES),
            true,
            "所在方（helper 支援方 / helped 受援方）",
            "Side it operates on",
        )),
        f(
            "locality_id",
            "locality_id",
            Kind::Text(64),
            false,
            "所在地（地区编号）",
            "Locality (id)",
        ),
        f(
            "established_on",
            "established_on",
            Kind::Date,
            false,
            "成立日期",
            "Established on",
        ),
    ],
};

/// A technology an institute offers to enterprises.
pub static TECH_CAPABILITIES: Entity = Entity {
    name: "tech_capabilities",
    table: "tech_capabilities",
    id_kind: IdKind::Serial,
    zh: "技术供给",
    en: "Technology capabilities",
    title: "title",
    rules: Rules {
        check: Some(check_capability),
        derived: &["pair_id", "side"],
        ..Rules::NONE
    },
    fields: &[
        INSTITUTE,
        DERIVED_PAIR,
        filtered(derived(f(
            "side",
            "side",
            Kind::Enum(SIDES),
            false,
            "所属方",
            "Side",
        ))),
        f("title", "title", Kind::Text(200), true, "技术名称", "Title"),
        f(
            "description",
            "description",
            Kind::Text(2000),
            false,
            "说明",
            "Description",
        ),
        SECTORS,
        KEYWORDS,
        f(
            "readiness",
            "readiness",
            Kind::Int(1, 9),
            true,
            "技术成熟度（TRL 1-9）",
            "Technology readiness level (1-9)",
        ),
    ],
};

/// A technology need an enterprise posts (or its pair's bureau posts for it).
pub static TECH_NEEDS: Entity = Entity {
    name: "tech_needs",
    table: "tech_needs",
    id_kind: IdKind::Serial,
    zh: "技术需求",
    en: "Technology needs",
    title: "title",
    rules: Rules {
        check: Some(check_sectors),
        defaults: &[("status", "open")],
        enterprise_binding: Some("enterprise_id"),
        ..Rules::NONE
    },
    fields: &[
        PAIR,
        filtered(f(
            "enterprise_id",
            "enterprise_id",
            Kind::Ref("enterprises"),
            true,
            "企业",
            "Enterprise",
        )),
        f("title", "title", Kind::Text(200), true, "需求名称", "Title"),
        f(
            "description",
            "description",
            Kind::Text(2000),
            false,
            "说明",
            "Description",
        ),
        SECTORS,
        KEYWORDS,
        f(
            "budget_yuan",
            "budget_fen",
            Kind::Money,
            false,
            "预算（元）",
            "Budget (yuan)",
        ),
        f(
            "deadline",
            "deadline",
            Kind::Date,
            false,
            "期望完成日期",
            "Deadline",
        ),
        filtered(f(
            "status",
            "status",
            Kind::Enum(NEED_STATUSES),
            false,
            "状态（open 征集中 / matched 已对接 / closed 已关闭）",
            "Status",
        )),
    ],
};

/// A need matched with a capability, with the score and its explanation (JSON).
pub static TECH_MATCHES: Entity = Entity {
    name: "tech_matches",
    table: "tech_matches",
    id_kind: IdKind::Serial,
    zh: "技术匹配",
    en: "Technology matches",
    title: "status",
    rules: Rules::NONE,
    fields: &[
        filtered(derived(f(
            "need_id",
            "need_id",
            Kind::Ref("tech_needs"),
            false,
            "技术需求",
            "Need",
        ))),
        filtered(derived(f(
            "capability_id",
            "capability_id",
            Kind::Ref("tech_capabilities"),
            false,
            "技术供给",
            "Capability",
        ))),
        DERIVED_PAIR,
        filtered(derived(f(
            "enterprise_id",
            "enterprise_id",
            Kind::Ref("enterprises"),
            false,
            "企业",
            "Enterprise",
        ))),
        filtered(derived(f(
            "institute_id",
            "institute_id",
            Kind::Ref("institutes"),
            false,
            "高校或院所",
            "Institute",
        ))),
        derived(f(
            "score",
            "score",
            Kind::Real(0.0, 1.0),
            false,
            "匹配得分",
            "Score",
        )),
        derived(f(
            "explanation",
            "explanation",
            Kind::Text(20000),
            false,
            "得分说明",
            "Explanation",
        )),
        filtered(f(
            "status",
            "status",
            Kind::Enum(TECH_MATCH_STATUSES),
            false,
            "状态（proposed 推荐 / contacted 已对接 / project 已立项 / declined 已谢绝）",
            "Status",
        )),
        derived(f(
            "proposed_on",
            "proposed_on",
            Kind::Date,
            false,
            "匹配日期",
            "Matched on",
        )),
    ],
};

/// A cooperation project started from a match.
pub static INNOVATION_PROJECTS: Entity = Entity {
    name: "innovation_projects",
    table: "innovation_projects",
    id_kind: IdKind::Serial,
    zh: "产学研合作项目",
    en: "Innovation projects",
    title: "title",
    rules: Rules {
        check: Some(derive_match_pair),
        derived: &["pair_id"],
        ..Rules::NONE
    },
    fields: &[
        filtered(f(
            "match_id",
            "match_id",
            Kind::Ref("tech_matches"),
            true,
            "来源匹配",
            "From match",
        )),
        DERIVED_PAIR,
        filtered(f(
            "kind",
            "kind",
            Kind::Enum(PROJECT_KINDS),
            true,
            "类型（agreement 合作协议 / licence 技术许可 / joint_rnd 联合研发）",
            "Kind",
        )),
        f("title", "title", Kind::Text(200), true, "项目名称", "Title"),
        f(
            "started_on",
            "started_on",
            Kind::Date,
            false,
            "启动日期",
            "Started on",
        ),
    ],
};

/// A dated milestone of a project with its evidence.
pub static INNOVATION_MILESTONES: Entity = Entity {
    name: "innovation_milestones",
    table: "innovation_milestones",
    id_kind: IdKind::Serial,
    zh: "项目里程碑",
    en: "Project milestones",
    title: "milestone",
    rules: Rules {
        check: Some(derive_project_pair),
        derived: &["pair_id"],
        ..Rules::NONE
    },
    fields: &[
        filtered(f(
            "project_id",
            "project_id",
            Kind::Ref("innovation_projects"),
            true,
            "合作项目",
            "Project",
        )),
        DERIVED_PAIR,
        filtered(f(
            "milestone",
            "milestone",
            Kind::Enum(MILESTONES),
            true,
            "里程碑（agreement 签约 / licence_or_rnd 许可或联合研发启动 / result 取得成果 / commercialisation 成果转化）",
            "Milestone",
        )),
        f(
            "reached_on",
            "reached_on",
            Kind::Date,
            true,
            "日期",
            "Reached on",
        ),
        f(
            "evidence",
            "evidence",
            Kind::Text(1000),
            true,
            "证明材料（文件、链接）",
            "Evidence (document, link)",
        ),
    ],
};

/// A patent or a licence of a pair, possibly from a project.
pub static IP_RECORDS: Entity = Entity {
    name: "ip_records",
    table: "ip_records",
    id_kind: IdKind::Serial,
    zh: "专利与许可",
    en: "Patents and licences",
    title: "title",
    rules: Rules {
        check: Some(check_ip_record),
        ..Rules::NONE
    },
    fields: &[
        PAIR,
        filtered(f(
            "kind",
            "kind",
            Kind::Enum(IP_KINDS),
            true,
            "类型（patent 专利 / licence 许可）",
            "Kind",
        )),
        f(
            "number",
            "number",
            Kind::Text(100),
            true,
            "编号（专利号或合同号）",
            "Number (patent or contract)",
        ),
        f("title", "title", Kind::Text(300), true, "名称", "Title"),
        f(
            "holder",
            "holder",
            Kind::Text(200),
            true,
            "权利人",
            "Holder",
        ),
        f(
            "licensee",
            "licensee",
            Kind::Text(200),
            false,
            "被许可方（许可必填）",
            "Licensee (for a licence)",
        ),
        f(
            "dated_on",
            "dated_on",
            Kind::Date,
            true,
            "授权或签订日期",
            "Granted or signed on",
        ),
        filtered(f(
            "project_id",
            "project_id",
            Kind::Ref("innovation_projects"),
            false,
            "来源项目",
            "From project",
        )),
    ],
};

/// The innovation record types, in menu order (parents first, so imports and fixtures can
/// create them in this order).
pub static INNOVATION_ENTITIES: [&Entity; 8] = [
    &INSTITUTES,
    &INNOVATION_PLATFORMS,
    &TECH_CAPABILITIES,
    &TECH_NEEDS,
    &TECH_MATCHES,
    &INNOVATION_PROJECTS,
    &INNOVATION_MILESTONES,
    &IP_RECORDS,
];

/// Copies `columns` of the parent row `table.id = fields[parent_field]` into `fields` (NULL
/// when the parent is missing: the reference check has already refused that).
fn derive_from(
    c: &mut dyn Conn,
    fields: &mut Map<String, Json>,
    parent_field: &str,
    table: &str,
    columns: &[&str],
) -> Result<(), PlatformError> {
    let Some(parent) = fields.get(parent_field).and_then(Json::as_i64) else {
        return Ok(());
    };
    let row = c.query_one(
        &format!("SELECT {} FROM {table} WHERE id = ?", columns.join(", ")),
        &[Value::Int(parent)],
    )?;
    for (k, column) in columns.iter().enumerate() {
        let v = row
            .as_ref()
            .and_then(|r| r[k].as_str().map(|s| Json::String(s.to_string())))
            .unwrap_or(Json::Null);
        fields.insert((*column).to_string(), v);
    }
    Ok(())
}

/// A platform's pair is its institute's ([`INNOVATION_PLATFORMS`]' check).
fn derive_institute_pair(
    c: &mut dyn Conn,
    fields: &mut Map<String, Json>,
) -> Result<(), PlatformError> {
    derive_from(c, fields, "institute_id", "institutes", &["pair_id"])
}

/// A capability's pair and side are its institute's and its sectors are 42-sector codes
/// ([`TECH_CAPABILITIES`]' check).
fn check_capability(c: &mut dyn Conn, fields: &mut Map<String, Json>) -> Result<(), PlatformError> {
    derive_from(
        c,
        fields,
        "institute_id",
        "institutes",
        &["pair_id", "side"],
    )?;
    check_sectors(c, fields)
}

/// A project's pair is its match's ([`INNOVATION_PROJECTS`]' check).
fn derive_match_pair(
    c: &mut dyn Conn,
    fields: &mut Map<String, Json>,
) -> Result<(), PlatformError> {
    derive_from(c, fields, "match_id", "tech_matches", &["pair_id"])
}

/// A milestone's pair is its project's ([`INNOVATION_MILESTONES`]' check).
fn derive_project_pair(
    c: &mut dyn Conn,
    fields: &mut Map<String, Json>,
) -> Result<(), PlatformError> {
    derive_from(c, fields, "project_id", "innovation_projects", &["pair_id"])
}

/// Every sector is a sector of the matching engine's 42-sector table, and there is at least
/// one (a need or capability without a sector cannot be scored).
fn check_sectors(_c: &mut dyn Conn, fields: &mut Map<String, Json>) -> Result<(), PlatformError> {
    let ctx = crate::docking_rules::context()?;
    let items = list_items(fields.get("sectors"));
    let unknown: Vec<String> = items
        .iter()
        .filter(|s| ctx.sector(s).is_none())
        .cloned()
        .collect();
    if items.is_empty() {
        return Err(PlatformError::invalid(
            "sectors",
            "required",
            "give at least one 42-sector code (e.g. 18)".into(),
            "请至少填写一个 42 部门代码（如 18）".into(),
        ));
    }
    if !unknown.is_empty() {
        return Err(PlatformError::Invalid(vec![FieldError::new(
            "sectors",
            "unknown_sector",
            format!(
                "{} are not sectors of the 42-sector table (codes 01 to 42)",
                unknown.join(", ")
            ),
            format!(
                "{} 不是 42 部门投入产出表的部门代码（01 至 42）",
                unknown.join("、")
            ),
        )]));
    }
    Ok(())
}

/// A patent or licence: a project it came from is of its pair, and a licence names its
/// licensee ([`IP_RECORDS`]' check).
fn check_ip_record(c: &mut dyn Conn, fields: &mut Map<String, Json>) -> Result<(), PlatformError> {
    let mut errors = Vec::new();
    let licence = fields.get("kind").and_then(Json::as_str) == Some("licence");
    let licensee = fields
        .get("licensee")
        .and_then(Json::as_str)
        .is_some_and(|s| !s.trim().is_empty());
    if licence && !licensee {
        errors.push(FieldError::new(
            "licensee",
            "required",
            "a licence names its licensee".into(),
            "技术许可须填写被许可方".into(),
        ));
    }
    if let Some(project) = fields.get("project_id").and_then(Json::as_i64) {
        let pair = c
            .query_one(
                "SELECT pair_id FROM innovation_projects WHERE id = ?",
                &[Value::Int(project)],
            )?
            .and_then(|r| r[0].as_str().map(str::to_string));
        if pair.as_deref() != fields.get("pair_id").and_then(Json::as_str) {
            errors.push(FieldError::new(
                "project_id",
                "other_pair",
                format!("project {project} is not of this record's pair"),
                format!("合作项目 {project} 不属于本记录的结对"),
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(PlatformError::Invalid(errors))
    }
}
