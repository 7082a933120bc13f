//! The platform's record types, described once and used by storage, validation, the JSON API,
//! the OpenAPI document and the forms.
//!
//! A record travels as a JSON object whose keys are field names. Each field has a kind that
//! fixes its JSON shape, its column and its validation rule. Money is entered and shown in yuan
//! (at most two decimals) and stored exactly as integer fen; the text of an amount is read by
//! the ledger's one rule ([`tandem_ledger::Fen::parse_yuan`]).
//!
//! What a type needs beyond its fields' rules is data on its descriptor too ([`Rules`]: the
//! scope its own id is, a cross-record check hook, defaults, derived fields, review flags,
//! rows deleted with it), so the record service never branches on a type's name.

use crate::db::{Conn, Value};
pub use crate::error::FieldError;
use crate::error::PlatformError;
pub use crate::lists::list_items;
use serde_json::{Map, Value as Json};
use tandem_ledger::money::{Fen, MoneyError, YuanRule};

pub mod innovation;
pub mod produce;

/// What a field holds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Kind {
    /// Short text up to the given number of characters.
    Text(usize),
    /// A calendar date `YYYY-MM-DD`.
    Date,
    /// A whole number in a range.
    Int(i64, i64),
    /// A year in a range.
    Year,
    /// A non-negative decimal in a range (areas, coordinates).
    Real(f64, f64),
    /// Yuan with at most two decimals, stored as fen; non-negative, at most 10^12 yuan.
    Money,
    /// One of a fixed list of codes.
    Enum(&'static [&'static str]),
    /// A list of short codes (industries), stored comma-separated.
    List,
    /// A reference to another record: the entity's name.
    Ref(&'static str),
}

/// One field of a record type.
#[derive(Clone, Copy, Debug)]
pub struct Field {
    /// The JSON key and form name.
    pub name: &'static str,
    /// The column.
    pub column: &'static str,
    pub kind: Kind,
    pub required: bool,
    /// Whether a client may set it (others are derived or managed by the platform).
    pub writable: bool,
    /// Whether lists can be filtered on it (`?field=value`).
    pub filter: bool,
    pub zh: &'static str,
    pub en: &'static str,
}

const fn f(
    name: &'static str,
    column: &'static str,
    kind: Kind,
    required: bool,
    zh: &'static str,
    en: &'static str,
) -> Field {
    Field {
        name,
        column,
        kind,
        required,
        writable: true,
        filter: false,
        zh,
        en,
    }
}

const fn filtered(mut field: Field) -> Field {
    field.filter = true;
    field
}

const fn derived(mut field: Field) -> Field {
    field.writable = false;
    field
}

/// How records of a type are identified.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdKind {
    /// Assigned by the database.
    Serial,
    /// A stable slug given at creation (programmes and pairs).
    Slug,
}

/// A record type.
#[derive(Debug)]
pub struct Entity {
    /// URL segment and audit name, e.g. `projects`.
    pub name: &'static str,
    pub table: &'static str,
    pub id_kind: IdKind,
    pub zh: &'static str,
    pub en: &'static str,
    pub fields: &'static [Field],
    /// The field shown as the record's title.
    pub title: &'static str,
    /// What the record service does for this type beyond its fields' rules.
    pub rules: Rules,
}

/// The part of a record's scope ([`crate::auth::Scope`]) its own id is: a pair is its own
/// pair, a park its own park, an enterprise its own enterprise (other records name theirs in
/// `pair_id`, `park_id`, `enterprise_id`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OwnScope {
    /// The id is a pair id.
    Pair,
    /// The id is a park id.
    Park,
    /// The id is an enterprise id.
    Enterprise,
}

/// A rule the field rules cannot check alone because it reads other records. The record
/// service runs it on `fields`, the record as it would be stored, after the references are
/// known to exist and before the authorisation check (so the scope checked includes what it
/// derives). It may complete derived fields and reports broken rules as
/// [`PlatformError::Invalid`].
pub type RecordCheck = fn(&mut dyn Conn, &mut Map<String, Json>) -> Result<(), PlatformError>;

/// What the record service does for one record type beyond its fields' rules: the data and
/// hooks that used to be branches on the type's name in `service.rs`.
#[derive(Clone, Copy, Debug)]
pub struct Rules {
    /// Which part of the scope the record's own id is, if any.
    pub own_scope: Option<OwnScope>,
    /// The cross-record check and derivation, if any.
    pub check: Option<RecordCheck>,
    /// Values (text) a new record starts with for fields the body leaves out or empty, such
    /// as a project's stage or a technology need's status.
    pub defaults: &'static [(&'static str, &'static str)],
    /// Read-only fields that [`Rules::check`] derives and the service stores on create and
    /// update (a task's pair, from its plan). Fields a database trigger derives are not
    /// listed: the trigger stores them.
    pub derived: &'static [&'static str],
    /// The field an enterprise user's own enterprise fills on create when the body leaves it
    /// out: such a user's projects are their own.
    pub enterprise_binding: Option<&'static str>,
    /// Whether records carry review flags ([`crate::flags`]), recomputed after each change.
    pub review_flags: bool,
    /// Rows of other tables that belong to a record and are deleted with it: the table and
    /// its column holding the record's id (a project's stage history).
    pub owned_rows: &'static [(&'static str, &'static str)],
}

impl Rules {
    /// Nothing beyond the fields' rules.
    pub const NONE: Rules = Rules {
        own_scope: None,
        check: None,
        defaults: &[],
        derived: &[],
        enterprise_binding: None,
        review_flags: false,
        owned_rows: &[],
    };
}

impl Entity {
    pub fn field(&self, name: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// `SELECT id, <columns>, version, updated_at FROM table` columns, in field order.
    pub fn select_list(&self) -> String {
        let mut cols = vec!["id".to_string()];
        cols.extend(self.fields.iter().map(|f| f.column.to_string()));
        cols.push("version".into());
        cols.push("updated_at".into());
        cols.join(", ")
    }
}

pub const STAGES: &[&str] = &[
    "lead",
    "signed",
    "land",
    "construction",
    "production",
    "paying_tax",
];
pub const SIDES: &[&str] = &["helper", "helped"];
pub const TASK_STATUSES: &[&str] = &["todo", "doing", "done", "blocked"];
pub const INITIATORS: &[&str] = &["government", "enterprise"];
pub const OPERATOR_FORMS: &[&str] = &[
    "joint_venture",
    "committee_and_company",
    "helper_owned",
    "helped_owned",
    "other",
];
pub const EVENT_KINDS: &[&str] = &[
    "policy",
    "agreement",
    "park",
    "project",
    "enterprise_transfer",
    "other",
];

pub static PROGRAMMES: Entity = Entity {
    name: "programmes",
    table: "programmes",
    id_kind: IdKind::Slug,
    zh: "结对合作计划",
    en: "Programmes",
    title: "name",
    rules: Rules::NONE,
    fields: &[
        f("name", "name", Kind::Text(200), true, "名称", "Name"),
        f(
            "start_year",
            "start_year",
            Kind::Year,
            true,
            "起始年",
            "Start year",
        ),
        f(
            "end_year",
            "end_year",
            Kind::Year,
            true,
            "结束年",
            "End year",
        ),
        f("source", "source", Kind::Text(500), true, "来源", "Source"),
    ],
};

pub static PAIRS: Entity = Entity {
    name: "pairs",
    table: "pairs",
    id_kind: IdKind::Slug,
    zh: "结对关系",
    en: "Pairs",
    title: "id",
    rules: Rules {
        own_scope: Some(OwnScope::Pair),
        ..Rules::NONE
    },
    fields: &[
        filtered(f(
            "programme_id",
            "programme_id",
            Kind::Ref("programmes"),
            true,
            "所属计划",
            "Programme",
        )),
        f(
            "helper_id",
            "helper_id",
            Kind::Text(64),
            true,
            "支援方",
            "Helper",
        ),
        f(
            "helped_id",
            "helped_id",
            Kind::Text(64),
            true,
            "受援方",
            "Helped",
        ),
        f(
            "start_year",
            "start_year",
            Kind::Year,
            true,
            "起始年",
            "Start year",
        ),
        f(
            "end_year",
            "end_year",
            Kind::Year,
            true,
            "结束年",
            "End year",
        ),
        f("source", "source", Kind::Text(500), true, "来源", "Source"),
    ],
};

pub static SUB_PAIRS: Entity = Entity {
    name: "sub_pairs",
    table: "sub_pairs",
    id_kind: IdKind::Serial,
    zh: "区县结对",
    en: "Sub-pairs",
    title: "helped_name",
    rules: Rules::NONE,
    fields: &[
        filtered(f(
            "pair_id",
            "pair_id",
            Kind::Ref("pairs"),
            true,
            "结对",
            "Pair",
        )),
        f(
            "helper_name",
            "helper_name",
            Kind::Text(100),
            true,
            "支援区县",
            "Helper district",
        ),
        f(
            "helped_name",
            "helped_name",
            Kind::Text(100),
            true,
            "受援区县",
            "Helped county",
        ),
        f("since", "since", Kind::Year, false, "起始年", "Since"),
        f("source", "source", Kind::Text(500), false, "来源", "Source"),
    ],
};

pub static PARKS: Entity = Entity {
    name: "parks",
    table: "parks",
    id_kind: IdKind::Serial,
    zh: "合作园区",
    en: "Parks",
    title: "name",
    rules: Rules {
        own_scope: Some(OwnScope::Park),
        ..Rules::NONE
    },
    fields: &[
        filtered(f(
            "pair_id",
            "pair_id",
            Kind::Ref("pairs"),
            true,
            "结对",
            "Pair",
        )),
        f("name", "name", Kind::Text(200), true, "园区名称", "Name"),
        filtered(f(
            "locality_id",
            "locality_id",
            Kind::Text(64),
            true,
            "所在地",
            "Locality",
        )),
        f(
            "address",
            "address",
            Kind::Text(300),
            false,
            "地址",
            "Address",
        ),
        f(
            "lon",
            "lon",
            Kind::Real(-180.0, 180.0),
            false,
            "经度",
            "Longitude",
        ),
        f(
            "lat",
            "lat",
            Kind::Real(-90.0, 90.0),
            false,
            "纬度",
            "Latitude",
        ),
        f(
            "area_ha",
            "area_ha",
            Kind::Real(0.0, 1.0e6),
            false,
            "规划面积（公顷）",
            "Area (ha)",
        ),
        f(
            "land_available_ha",
            "land_available_ha",
            Kind::Real(0.0, 1.0e6),
            false,
            "可用土地（公顷）",
            "Land available (ha)",
        ),
        f(
            "focus_industries",
            "focus_industries",
            Kind::List,
            false,
            "主导产业",
            "Focus industries",
        ),
        f(
            "incentives",
            "incentives",
            Kind::Text(2000),
            false,
            "优惠政策",
            "Incentives",
        ),
        f(
            "services",
            "services",
            Kind::Text(2000),
            false,
            "配套服务",
            "Services",
        ),
        f(
            "operator_name",
            "operator_name",
            Kind::Text(200),
            false,
            "运营主体",
            "Operating company",
        ),
        filtered(f(
            "operator_form",
            "operator_form",
            Kind::Enum(OPERATOR_FORMS),
            false,
            "运营模式",
            "Operating form",
        )),
    ],
};

pub static ENTERPRISES: Entity = Entity {
    name: "enterprises",
    table: "enterprises",
    id_kind: IdKind::Serial,
    zh: "企业",
    en: "Enterprises",
    title: "name",
    rules: Rules {
        own_scope: Some(OwnScope::Enterprise),
        ..Rules::NONE
    },
    fields: &[
        f("name", "name", Kind::Text(200), true, "企业名称", "Name"),
        f(
            "credit_code",
            "credit_code",
            Kind::Text(18),
            false,
            "统一社会信用代码",
            "Unified social credit code",
        ),
        filtered(f(
            "origin_locality_id",
            "origin_locality_id",
            Kind::Text(64),
            true,
            "来源地",
            "Origin",
        )),
        filtered(f(
            "industry",
            "industry",
            Kind::Text(64),
            false,
            "行业",
            "Industry",
        )),
        f(
            "contact",
            "contact",
            Kind::Text(200),
            false,
            "联系人",
            "Contact",
        ),
    ],
};

pub static PROJECTS: Entity = Entity {
    name: "projects",
    table: "projects",
    id_kind: IdKind::Serial,
    zh: "合作项目",
    en: "Projects",
    title: "name",
    rules: Rules {
        check: Some(check_project_park),
        defaults: &[("stage", "lead"), ("review_flags", "")],
        enterprise_binding: Some("enterprise_id"),
        review_flags: true,
        owned_rows: &[("project_stages", "project_id")],
        ..Rules::NONE
    },
    fields: &[
        filtered(f(
            "pair_id",
            "pair_id",
            Kind::Ref("pairs"),
            true,
            "结对",
            "Pair",
        )),
        filtered(f(
            "park_id",
            "park_id",
            Kind::Ref("parks"),
            false,
            "园区",
            "Park",
        )),
        filtered(f(
            "enterprise_id",
            "enterprise_id",
            Kind::Ref("enterprises"),
            true,
            "企业",
            "Enterprise",
        )),
        f("name", "name", Kind::Text(200), true, "项目名称", "Name"),
        filtered(f(
            "industry",
            "industry",
            Kind::Text(64),
            false,
            "行业",
            "Industry",
        )),
        f(
            "amount_agreed_yuan",
            "amount_agreed_fen",
            Kind::Money,
            false,
            "协议投资额（元）",
            "Amount agreed (yuan)",
        ),
        f(
            "paid_in_yuan",
            "paid_in_fen",
            Kind::Money,
            false,
            "实际到位资金（元）",
            "Paid-in capital (yuan)",
        ),
        f(
            "jobs",
            "jobs",
            Kind::Int(0, 10_000_000),
            false,
            "就业人数",
            "Jobs",
        ),
        filtered(f(
            "initiated_by",
            "initiated_by",
            Kind::Enum(INITIATORS),
            true,
            "发起方",
            "Initiated by",
        )),
        filtered(derived(f(
            "stage",
            "stage",
            Kind::Enum(STAGES),
            false,
            "阶段",
            "Stage",
        ))),
        derived(f(
            "stage_date",
            "stage_date",
            Kind::Date,
            false,
            "阶段日期",
            "Stage date",
        )),
        derived(f(
            "signed_on",
            "signed_on",
            Kind::Date,
            false,
            "签约日期",
            "Signed on",
        )),
        derived(f(
            "review_flags",
            "review_flags",
            Kind::List,
            false,
            "待核查",
            "Flagged for review",
        )),
    ],
};

pub static PLANS: Entity = Entity {
    name: "plans",
    table: "plans",
    id_kind: IdKind::Serial,
    zh: "年度计划",
    en: "Annual plans",
    title: "title",
    rules: Rules::NONE,
    fields: &[
        filtered(f(
            "pair_id",
            "pair_id",
            Kind::Ref("pairs"),
            true,
            "结对",
            "Pair",
        )),
        filtered(f("year", "year", Kind::Year, true, "年度", "Year")),
        f("title", "title", Kind::Text(200), true, "标题", "Title"),
    ],
};

pub static TASKS: Entity = Entity {
    name: "tasks",
    table: "tasks",
    id_kind: IdKind::Serial,
    zh: "计划任务",
    en: "Plan tasks",
    title: "title",
    rules: Rules {
        check: Some(derive_task_pair),
        derived: &["pair_id"],
        ..Rules::NONE
    },
    fields: &[
        filtered(f(
            "plan_id",
            "plan_id",
            Kind::Ref("plans"),
            true,
            "年度计划",
            "Plan",
        )),
        filtered(derived(f(
            "pair_id",
            "pair_id",
            Kind::Ref("pairs"),
            false,
            "结对",
            "Pair",
        ))),
        f("title", "title", Kind::Text(300), true, "任务", "Task"),
        filtered(f(
            "owner_side",
            "owner_side",
            Kind::Enum(SIDES),
            true,
            "责任方",
            "Owner side",
        )),
        f("due_on", "due_on", Kind::Date, false, "完成时限", "Due"),
        filtered(f(
            "status",
            "status",
            Kind::Enum(TASK_STATUSES),
            true,
            "状态",
            "Status",
        )),
        f(
            "evidence",
            "evidence",
            Kind::Text(2000),
            false,
            "佐证材料",
            "Evidence",
        ),
    ],
};

pub static SECONDMENTS: Entity = Entity {
    name: "secondments",
    table: "secondments",
    id_kind: IdKind::Serial,
    zh: "干部挂职",
    en: "Cadre secondments",
    title: "person",
    rules: Rules::NONE,
    fields: &[
        filtered(f(
            "pair_id",
            "pair_id",
            Kind::Ref("pairs"),
            true,
            "结对",
            "Pair",
        )),
        f("person", "person", Kind::Text(100), true, "姓名", "Person"),
        f(
            "from_org",
            "from_org",
            Kind::Text(200),
            true,
            "派出单位",
            "From",
        ),
        f("to_org", "to_org", Kind::Text(200), true, "挂职单位", "To"),
        f("post", "post", Kind::Text(200), false, "挂职岗位", "Post"),
        f("start_on", "start_on", Kind::Date, true, "开始", "Start"),
        f("end_on", "end_on", Kind::Date, false, "结束", "End"),
    ],
};

pub static EVENTS: Entity = Entity {
    name: "events",
    table: "events",
    id_kind: IdKind::Serial,
    zh: "合作事件",
    en: "Events",
    title: "title",
    rules: Rules::NONE,
    fields: &[
        filtered(f(
            "pair_id",
            "pair_id",
            Kind::Ref("pairs"),
            false,
            "结对",
            "Pair",
        )),
        f(
            "event_date",
            "event_date",
            Kind::Text(10),
            false,
            "日期",
            "Date",
        ),
        filtered(f(
            "kind",
            "kind",
            Kind::Enum(EVENT_KINDS),
            true,
            "类型",
            "Kind",
        )),
        f("title", "title", Kind::Text(300), true, "标题", "Title"),
        f(
            "amount_yuan",
            "amount_fen",
            Kind::Money,
            false,
            "金额（元）",
            "Amount (yuan)",
        ),
        f(
            "summary",
            "summary",
            Kind::Text(4000),
            false,
            "摘要",
            "Summary",
        ),
        f("source", "source", Kind::Text(500), true, "来源", "Source"),
    ],
};

/// Kinds of enterprise demand.
pub const DEMAND_KINDS: &[&str] = &["relocation", "expansion"];
/// Who may see a demand: `open` (every park and officer) or `restricted` (the sharing lists).
pub const CONFIDENTIALITY: &[&str] = &["open", "restricted"];
/// A demand's status: `open`, `matched` (a match became a project) or `closed`.
pub const DEMAND_STATUSES: &[&str] = &["open", "matched", "closed"];
/// A match's status, in workflow order (`declined` ends it at any point before `project`).
pub const MATCH_STATUSES: &[&str] = &["proposed", "contacted", "project", "declined"];
/// Kinds of capital provider.
pub const CAPITAL_KINDS: &[&str] = &["special_fund", "investor"];

pub static DEMANDS: Entity = Entity {
    name: "demands",
    table: "demands",
    id_kind: IdKind::Serial,
    zh: "企业需求",
    en: "Enterprise demands",
    title: "title",
    rules: Rules {
        check: Some(crate::docking_rules::check_demand),
        ..Rules::NONE
    },
    fields: &[
        filtered(f(
            "enterprise_id",
            "enterprise_id",
            Kind::Ref("enterprises"),
            true,
            "企业",
            "Enterprise",
        )),
        filtered(f(
            "pair_id",
            "pair_id",
            Kind::Ref("pairs"),
            false,
            "代为登记的结对",
            "Filed through pair",
        )),
        f("title", "title", Kind::Text(200), true, "需求名称", "Title"),
        filtered(f(
            "kind",
            "kind",
            Kind::Enum(DEMAND_KINDS),
            true,
            "类型（relocation 转移 / expansion 扩产）",
            "Kind",
        )),
        filtered(f(
            "industry",
            "industry",
            Kind::Text(64),
            true,
            "行业（如 io42:18 或 C36）",
            "Industry (e.g. io42:18 or C36)",
        )),
        f(
            "land_mu",
            "land_mu",
            Kind::Real(0.0, 1.0e6),
            false,
            "用地需求（亩）",
            "Land (mu)",
        ),
        f(
            "building_m2",
            "building_m2",
            Kind::Real(0.0, 1.0e8),
            false,
            "厂房需求（平方米）",
            "Building (m²)",
        ),
        f(
            "power_kw",
            "power_kw",
            Kind::Real(0.0, 1.0e8),
            false,
            "用电负荷（千瓦）",
            "Power (kW)",
        ),
        f(
            "labour",
            "labour",
            Kind::Int(0, 10_000_000),
            false,
            "用工需求（人）",
            "Labour (workers)",
        ),
        f(
            "budget_yuan",
            "budget_fen",
            Kind::Money,
            false,
            "用地预算（元）",
            "Budget (yuan)",
        ),
        f(
            "preferred_regions",
            "preferred_regions",
            Kind::List,
            false,
            "意向地区",
            "Preferred regions",
        ),
        f(
            "deadline",
            "deadline",
            Kind::Date,
            false,
            "期望落地日期",
            "Deadline",
        ),
        filtered(f(
            "confidentiality",
            "confidentiality",
            Kind::Enum(CONFIDENTIALITY),
            true,
            "保密级别（open 公开 / restricted 限定）",
            "Confidentiality",
        )),
        f(
            "shared_with_parks",
            "shared_with_parks",
            Kind::List,
            false,
            "可见园区（编号）",
            "Shared with parks (ids)",
        ),
        f(
            "shared_with_pairs",
            "shared_with_pairs",
            Kind::List,
            false,
            "可见结对（编号）",
            "Shared with pairs (ids)",
        ),
        filtered(derived(f(
            "status",
            "status",
            Kind::Enum(DEMAND_STATUSES),
            false,
            "状态",
            "Status",
        ))),
    ],
};

pub static PARK_OFFERS: Entity = Entity {
    name: "park_offers",
    table: "park_offers",
    id_kind: IdKind::Serial,
    zh: "园区供给",
    en: "Park offers",
    title: "title",
    rules: Rules {
        check: Some(crate::docking_rules::check_park_offer),
        ..Rules::NONE
    },
    fields: &[
        filtered(f(
            "park_id",
            "park_id",
            Kind::Ref("parks"),
            true,
            "园区",
            "Park",
        )),
        filtered(derived(f(
            "pair_id",
            "pair_id",
            Kind::Ref("pairs"),
            false,
            "结对",
            "Pair",
        ))),
        f("title", "title", Kind::Text(200), true, "名称", "Title"),
        f(
            "land_mu",
            "land_mu",
            Kind::Real(0.0, 1.0e6),
            false,
            "可供土地（亩）",
            "Land available (mu)",
        ),
        f(
            "building_m2",
            "building_m2",
            Kind::Real(0.0, 1.0e8),
            false,
            "可供标准厂房（平方米）",
            "Buildings available (m²)",
        ),
        f(
            "power_kw",
            "power_kw",
            Kind::Real(0.0, 1.0e8),
            false,
            "富余电力（千瓦）",
            "Spare power (kW)",
        ),
        f(
            "water_t_day",
            "water_t_day",
            Kind::Real(0.0, 1.0e8),
            false,
            "供水能力（吨/日）",
            "Water (t/day)",
        ),
        f(
            "labour",
            "labour",
            Kind::Int(0, 10_000_000),
            false,
            "可供劳动力（人）",
            "Labour pool (workers)",
        ),
        f(
            "land_price_yuan_m2",
            "land_price_yuan_m2",
            Kind::Real(0.0, 1.0e6),
            false,
            "工业用地价格（元/平方米）",
            "Land price (yuan/m²)",
        ),
        f(
            "incentive_rating",
            "incentive_rating",
            Kind::Real(0.0, 1.0),
            false,
            "优惠力度评分（0–1）",
            "Incentive rating (0-1)",
        ),
        f(
            "incentives",
            "incentives",
            Kind::Text(2000),
            false,
            "优惠政策",
            "Incentives",
        ),
        f(
            "services",
            "services",
            Kind::Text(2000),
            false,
            "配套服务",
            "Services",
        ),
        f(
            "focus_industries",
            "focus_industries",
            Kind::List,
            false,
            "主导产业",
            "Focus industries",
        ),
        f(
            "excluded_industries",
            "excluded_industries",
            Kind::List,
            false,
            "限制产业",
            "Excluded industries",
        ),
        f(
            "capacity",
            "capacity",
            Kind::Int(0, 10_000),
            false,
            "可再承接项目数",
            "Projects it can still take",
        ),
        f(
            "fresh_until",
            "fresh_until",
            Kind::Date,
            true,
            "数据有效期至",
            "Data valid until",
        ),
    ],
};

pub static CAPITAL_PROVIDERS: Entity = Entity {
    name: "capital_providers",
    table: "capital_providers",
    id_kind: IdKind::Serial,
    zh: "资金方",
    en: "Capital providers",
    title: "name",
    rules: Rules {
        check: Some(crate::docking_rules::check_capital_provider),
        ..Rules::NONE
    },
    fields: &[
        f("name", "name", Kind::Text(200), true, "名称", "Name"),
        filtered(f(
            "kind",
            "kind",
            Kind::Enum(CAPITAL_KINDS),
            true,
            "类型（special_fund 专项资金 / investor 投资机构）",
            "Kind",
        )),
        f(
            "home_locality_id",
            "home_locality_id",
            Kind::Text(64),
            false,
            "所在地",
            "Home locality",
        ),
        f(
            "industries",
            "industries",
            Kind::List,
            false,
            "投资行业",
            "Industries",
        ),
        f(
            "regions",
            "regions",
            Kind::List,
            false,
            "投资地区",
            "Regions",
        ),
        f(
            "ticket_min_yuan",
            "ticket_min_fen",
            Kind::Money,
            true,
            "单笔下限（元）",
            "Smallest ticket (yuan)",
        ),
        f(
            "ticket_max_yuan",
            "ticket_max_fen",
            Kind::Money,
            true,
            "单笔上限（元）",
            "Largest ticket (yuan)",
        ),
        f(
            "stages",
            "stages",
            Kind::List,
            false,
            "投资阶段（preparation / construction / operation）",
            "Stages",
        ),
    ],
};

pub static MATCHES: Entity = Entity {
    name: "matches",
    table: "matches",
    id_kind: IdKind::Serial,
    zh: "对接匹配",
    en: "Matches",
    title: "status",
    rules: Rules::NONE,
    fields: &[
        filtered(derived(f(
            "demand_id",
            "demand_id",
            Kind::Ref("demands"),
            false,
            "需求",
            "Demand",
        ))),
        filtered(derived(f(
            "park_id",
            "park_id",
            Kind::Ref("parks"),
            false,
            "园区",
            "Park",
        ))),
        derived(f(
            "offer_id",
            "offer_id",
            Kind::Ref("park_offers"),
            false,
            "园区供给",
            "Park offer",
        )),
        filtered(derived(f(
            "enterprise_id",
            "enterprise_id",
            Kind::Ref("enterprises"),
            false,
            "企业",
            "Enterprise",
        ))),
        filtered(derived(f(
            "pair_id",
            "pair_id",
            Kind::Ref("pairs"),
            false,
            "需求登记结对",
            "Demand filed through pair",
        ))),
        derived(f(
            "confidentiality",
            "confidentiality",
            Kind::Enum(CONFIDENTIALITY),
            false,
            "保密级别",
            "Confidentiality",
        )),
        derived(f(
            "shared_with_parks",
            "shared_with_parks",
            Kind::List,
            false,
            "可见园区",
            "Shared with parks",
        )),
        derived(f(
            "shared_with_pairs",
            "shared_with_pairs",
            Kind::List,
            false,
            "可见结对",
            "Shared with pairs",
        )),
        derived(f(
            "score",
            "score",
            Kind::Real(0.0, 1.0),
            false,
            "匹配得分",
            "Score",
        )),
        derived(f("rank", "rank", Kind::Int(1, 1000), false, "排名", "Rank")),
        derived(f(
            "stale",
            "stale",
            Kind::Int(0, 1),
            false,
            "园区数据已过期",
            "Park data stale",
        )),
        derived(f(
            "explanation",
            "explanation",
            Kind::Text(20000),
            false,
            "得分说明",
            "Explanation",
        )),
        filtered(derived(f(
            "status",
            "status",
            Kind::Enum(MATCH_STATUSES),
            false,
            "状态",
            "Status",
        ))),
        derived(f(
            "proposed_on",
            "proposed_on",
            Kind::Date,
            false,
            "推荐日期",
            "Proposed on",
        )),
        derived(f(
            "contacted_at",
            "contacted_at",
            Kind::Date,
            false,
            "对接日期",
            "Contacted on",
        )),
        derived(f(
            "status_date",
            "status_date",
            Kind::Date,
            false,
            "最近进展日期",
            "Last progress",
        )),
        filtered(derived(f(
            "project_id",
            "project_id",
            Kind::Ref("projects"),
            false,
            "转化项目",
            "Project",
        ))),
    ],
};

/// Yes or no (a park's one-stop service).
pub const YES_NO: &[&str] = &["yes", "no"];

/// The largest annual figure a field accepts (10^4 yuan, tce, t, m², mu).
const FIGURE_MAX: f64 = 1.0e10;

/// An optional annual figure: a non-negative decimal, empty (NULL) when not reported.
const fn figure(name: &'static str, zh: &'static str, en: &'static str) -> Field {
    f(name, name, Kind::Real(0.0, FIGURE_MAX), false, zh, en)
}

/// The derived pair of a record placed in a park (its park's pair).
const PARK_PAIR: Field = filtered(derived(f(
    "pair_id",
    "pair_id",
    Kind::Ref("pairs"),
    false,
    "结对",
    "Pair",
)));

/// An enterprise's figures for one year in one park (issue #16): the inputs of per-mu
/// assessment. A figure not reported stays empty, never 0.
pub static ENTERPRISE_FIGURES: Entity = Entity {
    name: "enterprise_figures",
    table: "enterprise_figures",
    id_kind: IdKind::Serial,
    zh: "企业年度数据",
    en: "Enterprise annual figures",
    title: "year",
    rules: Rules {
        check: Some(derive_park_pair),
        derived: &["pair_id"],
        ..Rules::NONE
    },
    fields: &[
        filtered(f(
            "enterprise_id",
            "enterprise_id",
            Kind::Ref("enterprises"),
            true,
            "企业",
            "Enterprise",
        )),
        filtered(f(
            "park_id",
            "park_id",
            Kind::Ref("parks"),
            true,
            "园区",
            "Park",
        )),
        PARK_PAIR,
        filtered(f("year", "year", Kind::Year, true, "年度", "Year")),
        figure("land_mu", "用地面积（亩）", "Land (mu)"),
        figure(
            "revenue_10k_yuan",
            "营业收入（万元）",
            "Revenue (10^4 yuan)",
        ),
        figure("tax_10k_yuan", "实缴税金（万元）", "Tax paid (10^4 yuan)"),
        figure(
            "value_added_10k_yuan",
            "工业增加值（万元）",
            "Value added (10^4 yuan)",
        ),
        figure(
            "rd_10k_yuan",
            "研发经费（万元）",
            "R&D spending (10^4 yuan)",
        ),
        f(
            "rd_percent",
            "rd_percent",
            Kind::Real(0.0, 100.0),
            false,
            "研发经费占营业收入比重（%）",
            "R&D as % of revenue",
        ),
        figure("energy_tce", "综合能耗（吨标煤）", "Energy use (tce)"),
        figure("emissions_t", "主要污染物排放（吨）", "Emissions (t)"),
        f(
            "employees",
            "employees",
            Kind::Int(0, 10_000_000),
            false,
            "从业人员（人）",
            "Employees",
        ),
        f(
            "production_start_year",
            "production_start_year",
            Kind::Year,
            false,
            "投产年份",
            "Year production started",
        ),
        f("source", "source", Kind::Text(500), true, "来源", "Source"),
    ],
};

/// A park's figures for one year (issue #16): the inputs of park appraisal.
pub static PARK_FIGURES: Entity = Entity {
    name: "park_figures",
    table: "park_figures",
    id_kind: IdKind::Serial,
    zh: "园区年度数据",
    en: "Park annual figures",
    title: "year",
    rules: Rules {
        check: Some(derive_park_pair),
        derived: &["pair_id"],
        ..Rules::NONE
    },
    fields: &[
        filtered(f(
            "park_id",
            "park_id",
            Kind::Ref("parks"),
            true,
            "园区",
            "Park",
        )),
        PARK_PAIR,
        filtered(f("year", "year", Kind::Year, true, "年度", "Year")),
        figure("land_mu", "土地面积（亩）", "Land (mu)"),
        figure("land_occupied_mu", "已供土地（亩）", "Land occupied (mu)"),
        figure(
            "factory_m2",
            "标准厂房（平方米）",
            "Standard factory space (m²)",
        ),
        figure(
            "factory_occupied_m2",
            "已入驻标准厂房（平方米）",
            "Factory space occupied (m²)",
        ),
        figure(
            "output_10k_yuan",
            "工业总产值（万元）",
            "Output (10^4 yuan)",
        ),
        figure("tax_10k_yuan", "税收（万元）", "Tax (10^4 yuan)"),
        figure(
            "investment_10k_yuan",
            "固定资产投资（万元）",
            "Investment (10^4 yuan)",
        ),
        f(
            "one_stop_service",
            "one_stop_service",
            Kind::Enum(YES_NO),
            false,
            "一站式服务",
            "One-stop service",
        ),
        f(
            "service_providers",
            "service_providers",
            Kind::Int(0, 100_000),
            false,
            "专业服务机构（家）",
            "Professional service providers",
        ),
        f(
            "staff",
            "staff",
            Kind::Int(0, 1_000_000),
            false,
            "管理服务人员（人）",
            "Staff",
        ),
        f("source", "source", Kind::Text(500), true, "来源", "Source"),
    ],
};

/// The sides of a chain placement (the helper's or the helped city's enterprises).
pub const CHAIN_SIDES: &[&str] = &["helper", "helped"];

/// The derived pair of a part of a chain (its chain's pair).
const CHAIN_PAIR: Field = filtered(derived(f(
    "pair_id",
    "pair_id",
    Kind::Ref("pairs"),
    false,
    "结对",
    "Pair",
)));

/// The chain a segment, edge or placement belongs to.
const CHAIN_REF: Field = filtered(f(
    "chain_id",
    "chain_id",
    Kind::Ref("chains"),
    true,
    "产业链",
    "Chain",
));

/// Where a chain's segment or placement is reported (a publication or address); optional.
const CITED_SOURCE: Field = f(
    "source",
    "source",
    Kind::Text(500),
    false,
    "来源（出处或网址）",
    "Source (publication or address)",
);

/// An industry-chain map of a pair (issue #17): its segments, edges and placements are the
/// three record types below; `crate::chains` assembles them and finds the gaps.
pub static CHAINS: Entity = Entity {
    name: "chains",
    table: "chains",
    id_kind: IdKind::Serial,
    zh: "产业链图谱",
    en: "Industry chains",
    title: "name_zh",
    rules: Rules::NONE,
    fields: &[
        filtered(f(
            "pair_id",
            "pair_id",
            Kind::Ref("pairs"),
            true,
            "结对",
            "Pair",
        )),
        f(
            "name_zh",
            "name_zh",
            Kind::Text(200),
            true,
            "名称",
            "Name (Chinese)",
        ),
        f(
            "name_en",
            "name_en",
            Kind::Text(200),
            true,
            "英文名称",
            "Name (English)",
        ),
        f(
            "focus_industry",
            "focus_industry",
            Kind::Text(200),
            false,
            "主导产业",
            "Focus industry",
        ),
        f("source", "source", Kind::Text(500), true, "来源", "Source"),
        f(
            "weak_share",
            "weak_share",
            Kind::Real(0.0, 1.0),
            false,
            "薄弱阈值（受援方企业数占支援方比例，默认 0.25）",
            "Weak share (helped firms as a share of the helper's; 0.25 if empty)",
        ),
    ],
};

/// A segment of a chain, mapped to sectors of the 2020 national table of 42 sectors.
pub static CHAIN_NODES: Entity = Entity {
    name: "chain_nodes",
    table: "chain_nodes",
    id_kind: IdKind::Serial,
    zh: "产业链环节",
    en: "Chain segments",
    title: "name_zh",
    rules: Rules {
        check: Some(check_chain_node),
        derived: &["pair_id"],
        ..Rules::NONE
    },
    fields: &[
        CHAIN_REF,
        CHAIN_PAIR,
        f(
            "node_key",
            "node_key",
            Kind::Text(64),
            true,
            "环节代码",
            "Segment key",
        ),
        f(
            "name_zh",
            "name_zh",
            Kind::Text(200),
            true,
            "名称",
            "Name (Chinese)",
        ),
        f(
            "name_en",
            "name_en",
            Kind::Text(200),
            true,
            "英文名称",
            "Name (English)",
        ),
        f(
            "sectors",
            "sectors",
            Kind::List,
            true,
            "投入产出部门（42 部门代码，如 18）",
            "Input-output sectors (42-sector codes, e.g. 18)",
        ),
        CITED_SOURCE,
    ],
};

/// A supply edge of a chain: the segment `from_node` supplies `to_node` (by segment key).
pub static CHAIN_EDGES: Entity = Entity {
    name: "chain_edges",
    table: "chain_edges",
    id_kind: IdKind::Serial,
    zh: "产业链供应关系",
    en: "Chain supply edges",
    title: "from_node",
    rules: Rules {
        check: Some(derive_chain_pair),
        derived: &["pair_id"],
        ..Rules::NONE
    },
    fields: &[
        CHAIN_REF,
        CHAIN_PAIR,
        f(
            "from_node",
            "from_node",
            Kind::Text(64),
            true,
            "供应环节（代码）",
            "Supplying segment (key)",
        ),
        f(
            "to_node",
            "to_node",
            Kind::Text(64),
            true,
            "需求环节（代码）",
            "Buying segment (key)",
        ),
    ],
};

/// An enterprise placed on a segment of a chain, on the helper or the helped side: an
/// enterprise record, or only a name.
pub static CHAIN_PLACEMENTS: Entity = Entity {
    name: "chain_placements",
    table: "chain_placements",
    id_kind: IdKind::Serial,
    zh: "产业链企业",
    en: "Chain enterprises",
    title: "enterprise_name",
    rules: Rules {
        check: Some(check_chain_placement),
        derived: &["pair_id"],
        ..Rules::NONE
    },
    fields: &[
        CHAIN_REF,
        CHAIN_PAIR,
        f(
            "node_key",
            "node_key",
            Kind::Text(64),
            true,
            "所在环节（代码）",
            "Segment (key)",
        ),
        filtered(f(
            "enterprise_id",
            "enterprise_id",
            Kind::Ref("enterprises"),
            false,
            "企业",
            "Enterprise",
        )),
        f(
            "enterprise_name",
            "enterprise_name",
            Kind::Text(200),
            false,
            "企业名称（未登记企业）",
            "Enterprise name (if not a record)",
        ),
        filtered(f(
            "side",
            "side",
            Kind::Enum(CHAIN_SIDES),
            true,
            "所属方（helper 支援方 / helped 受援方）",
            "Side",
        )),
        CITED_SOURCE,
    ],
};

/// The sides of a pair that raise a dispute case or pay a compensation.
pub const DISPUTE_SIDES: &[&str] = &["helper", "helped"];

/// The derived pair and park of a consultation round (its case's).
const DISPUTE_PAIR: Field = filtered(derived(f(
    "pair_id",
    "pair_id",
    Kind::Ref("pairs"),
    false,
    "结对",
    "Pair",
)));
const DISPUTE_PARK: Field = filtered(derived(f(
    "park_id",
    "park_id",
    Kind::Ref("parks"),
    false,
    "园区",
    "Park",
)));

/// The case a round or an escalation belongs to.
const DISPUTE_REF: Field = filtered(f(
    "dispute_id",
    "dispute_id",
    Kind::Ref("disputes"),
    true,
    "争议案件",
    "Dispute case",
));

/// A dispute case between the two sides of a pair (issue #17): raised by one side about an
/// agreement, a park, a project, a settlement or a task. Its level, deadline, status and
/// outcome are set only by the workflow (`crate::disputes::escalate` and `close`); the rules
/// are in [`crate::dispute_rules`] and [`crate::disputes`].
pub static DISPUTES: Entity = Entity {
    name: "disputes",
    table: "disputes",
    id_kind: IdKind::Serial,
    zh: "争议协商",
    en: "Disputes",
    title: "title",
    rules: Rules {
        check: Some(crate::dispute_rules::check_dispute),
        defaults: &[("status", "open")],
        derived: &["current_level", "level_deadline"],
        ..Rules::NONE
    },
    fields: &[
        filtered(f(
            "pair_id",
            "pair_id",
            Kind::Ref("pairs"),
            true,
            "结对",
            "Pair",
        )),
        filtered(f(
            "park_id",
            "park_id",
            Kind::Ref("parks"),
            false,
            "园区",
            "Park",
        )),
        filtered(f(
            "raised_by_side",
            "raised_by_side",
            Kind::Enum(DISPUTE_SIDES),
            true,
            "提出方（helper 支援方 / helped 受援方）",
            "Raised by (helper / helped side)",
        )),
        filtered(f(
            "subject_kind",
            "subject_kind",
            Kind::Enum(crate::dispute_rules::SUBJECT_KINDS),
            true,
            "争议事项（agreement 协议 / park 园区 / project 项目 / settlement 结算 / task 任务）",
            "Subject (agreement / park / project / settlement / task)",
        )),
        f(
            "subject_id",
            "subject_id",
            Kind::Int(1, i64::MAX),
            false,
            "事项编号（项目、任务、园区编号或协议版本记录编号）",
            "Subject record id (project, task, park, or agreement version row)",
        ),
        f("title", "title", Kind::Text(200), true, "案由", "Title"),
        f(
            "parties",
            "parties",
            Kind::Text(500),
            true,
            "当事方",
            "Parties",
        ),
        f(
            "description",
            "description",
            Kind::Text(4000),
            true,
            "争议内容",
            "Description",
        ),
        f(
            "amount_at_stake_yuan",
            "amount_at_stake_fen",
            Kind::Money,
            false,
            "争议金额（元）",
            "Amount at stake (yuan)",
        ),
        f(
            "evidence",
            "evidence",
            Kind::Text(2000),
            false,
            "证据材料",
            "Evidence",
        ),
        f(
            "raised_on",
            "raised_on",
            Kind::Date,
            true,
            "提出日期",
            "Raised on",
        ),
        filtered(derived(f(
            "current_level",
            "current_level",
            Kind::Enum(crate::dispute_rules::LEVELS),
            false,
            "当前层级（park 园区 / joint_meeting 结对联席会议 / provincial 省级协调）",
            "Current level (park / joint meeting / provincial)",
        ))),
        derived(f(
            "level_deadline",
            "level_deadline",
            Kind::Date,
            false,
            "本层级期限",
            "Deadline at this level",
        )),
        filtered(derived(f(
            "status",
            "status",
            Kind::Enum(crate::dispute_rules::STATUSES),
            false,
            "状态（open 协商中 / settled 和解 / agreement_amended 修订协议 / compensation 补偿 / withdrawn 撤回）",
            "Status (open / settled / agreement amended / compensation / withdrawn)",
        ))),
        derived(f(
            "outcome_note",
            "outcome_note",
            Kind::Text(4000),
            false,
            "结案说明",
            "Outcome",
        )),
        derived(f(
            "closed_on",
            "closed_on",
            Kind::Date,
            false,
            "结案日期",
            "Closed on",
        )),
        derived(f(
            "amended_agreement_row",
            "amended_agreement_row",
            Kind::Int(1, i64::MAX),
            false,
            "修订后的协议版本（账本记录编号）",
            "Amended agreement version (ledger row)",
        )),
        derived(f(
            "compensation_yuan",
            "compensation_fen",
            Kind::Money,
            false,
            "补偿金额（元）",
            "Compensation (yuan)",
        )),
        derived(f(
            "compensation_payer",
            "compensation_payer",
            Kind::Enum(DISPUTE_SIDES),
            false,
            "补偿支付方",
            "Compensation paid by",
        )),
    ],
};

/// A consultation round of a dispute case: when, at which level, who attended, the minutes
/// and the next steps.
pub static DISPUTE_ROUNDS: Entity = Entity {
    name: "dispute_rounds",
    table: "dispute_rounds",
    id_kind: IdKind::Serial,
    zh: "争议协商记录",
    en: "Consultation rounds",
    title: "held_on",
    rules: Rules {
        check: Some(crate::dispute_rules::check_dispute_round),
        derived: &["pair_id", "park_id"],
        ..Rules::NONE
    },
    fields: &[
        DISPUTE_REF,
        DISPUTE_PAIR,
        DISPUTE_PARK,
        filtered(f(
            "level",
            "level",
            Kind::Enum(crate::dispute_rules::LEVELS),
            true,
            "层级（park 园区 / joint_meeting 结对联席会议 / provincial 省级协调）",
            "Level (park / joint meeting / provincial)",
        )),
        f(
            "held_on",
            "held_on",
            Kind::Date,
            true,
            "协商日期",
            "Held on",
        ),
        f(
            "attendees",
            "attendees",
            Kind::Text(1000),
            true,
            "参会人员",
            "Attendees",
        ),
        f(
            "minutes",
            "minutes",
            Kind::Text(8000),
            true,
            "会议纪要",
            "Minutes",
        ),
        f(
            "next_steps",
            "next_steps",
            Kind::Text(2000),
            false,
            "下一步",
            "Next steps",
        ),
    ],
};

/// One escalation of a case, written only by `crate::disputes::escalate`: from which level
/// to which, when, the new deadline and why.
pub static DISPUTE_ESCALATIONS: Entity = Entity {
    name: "dispute_escalations",
    table: "dispute_escalations",
    id_kind: IdKind::Serial,
    zh: "争议升级记录",
    en: "Dispute escalations",
    title: "escalated_on",
    rules: Rules::NONE,
    fields: &[
        derived(DISPUTE_REF),
        DISPUTE_PAIR,
        DISPUTE_PARK,
        derived(f(
            "from_level",
            "from_level",
            Kind::Enum(crate::dispute_rules::LEVELS),
            true,
            "原层级",
            "From level",
        )),
        derived(f(
            "to_level",
            "to_level",
            Kind::Enum(crate::dispute_rules::LEVELS),
            true,
            "升级至",
            "To level",
        )),
        derived(f(
            "escalated_on",
            "escalated_on",
            Kind::Date,
            true,
            "升级日期",
            "Escalated on",
        )),
        derived(f(
            "deadline",
            "deadline",
            Kind::Date,
            true,
            "新层级期限",
            "New deadline",
        )),
        derived(f(
            "reason",
            "reason",
            Kind::Text(2000),
            true,
            "升级理由",
            "Reason",
        )),
        derived(f(
            "recorded_by",
            "recorded_by",
            Kind::Text(300),
            true,
            "记录人",
            "Recorded by",
        )),
    ],
};

/// Every record type, in menu order.
/// The fields of the barrier register (issue #17): the research's four (market access,
/// qualification recognition, regulatory standards, public services) plus data sharing and
/// talent.
pub const BARRIER_FIELDS: &[&str] = &[
    "market_access",
    "qualification",
    "standards",
    "public_services",
    "data_sharing",
    "talent",
];
/// How a barrier is proposed to be aligned.
pub const BARRIER_ALIGNMENTS: &[&str] = &[
    "adopt_helper",
    "mutual_recognition",
    "joint_window",
    "other",
];
/// Where a barrier stands; `aligned` and `dropped` close it (with evidence).
pub const BARRIER_STATUSES: &[&str] = &["open", "in_progress", "aligned", "dropped"];

/// A barrier between the two sides' rulebooks, shared by the pairs it affects; its rules are
/// in [`crate::barrier_rules`], who sees it in [`crate::auth`], its register in
/// [`crate::barriers`].
pub static BARRIERS: Entity = Entity {
    name: "barriers",
    table: "barriers",
    id_kind: IdKind::Serial,
    zh: "制度壁垒",
    en: "Barriers",
    title: "title",
    rules: Rules {
        check: Some(crate::barrier_rules::check_barrier),
        derived: &["registered_on", "closed_on"],
        ..Rules::NONE
    },
    fields: &[
        f("title", "title", Kind::Text(200), true, "壁垒", "Barrier"),
        filtered(f(
            "field",
            "field",
            Kind::Enum(BARRIER_FIELDS),
            true,
            "领域",
            "Field",
        )),
        filtered(f(
            "affected_pairs",
            "affected_pairs",
            Kind::List,
            true,
            "涉及结对（编号，逗号分隔）",
            "Affected pairs (ids, comma-separated)",
        )),
        f(
            "helper_rule_document",
            "helper_rule_document",
            Kind::Text(300),
            true,
            "支援方规定（文件）",
            "Helper side's rule (document)",
        ),
        f(
            "helper_rule_article",
            "helper_rule_article",
            Kind::Text(100),
            false,
            "支援方条款",
            "Helper side's article",
        ),
        f(
            "helper_rule_link",
            "helper_rule_link",
            Kind::Text(500),
            false,
            "支援方规定链接（http/https）",
            "Helper side's link (http/https)",
        ),
        f(
            "helped_rule_document",
            "helped_rule_document",
            Kind::Text(300),
            true,
            "受援方规定（文件）",
            "Helped side's rule (document)",
        ),
        f(
            "helped_rule_article",
            "helped_rule_article",
            Kind::Text(100),
            false,
            "受援方条款",
            "Helped side's article",
        ),
        f(
            "helped_rule_link",
            "helped_rule_link",
            Kind::Text(500),
            false,
            "受援方规定链接（http/https）",
            "Helped side's link (http/https)",
        ),
        f(
            "effect",
            "effect",
            Kind::Text(2000),
            true,
            "对合作的影响",
            "Effect on cooperation",
        ),
        f(
            "alignment",
            "alignment",
            Kind::Enum(BARRIER_ALIGNMENTS),
            true,
            "对接方式",
            "Proposed alignment",
        ),
        f(
            "alignment_note",
            "alignment_note",
            Kind::Text(2000),
            false,
            "对接方式说明（“其他”时必填）",
            "Alignment note (required for other)",
        ),
        f("owner", "owner", Kind::Text(200), true, "责任单位", "Owner"),
        f(
            "deadline",
            "deadline",
            Kind::Date,
            false,
            "期限",
            "Deadline",
        ),
        filtered(f(
            "status",
            "status",
            Kind::Enum(BARRIER_STATUSES),
            true,
            "状态",
            "Status",
        )),
        f(
            "evidence",
            "evidence",
            Kind::Text(2000),
            false,
            "佐证（关闭时必填）",
            "Evidence (required to close)",
        ),
        f(
            "evidence_document",
            "evidence_document",
            Kind::Text(300),
            false,
            "佐证文件",
            "Evidence document",
        ),
        f(
            "evidence_link",
            "evidence_link",
            Kind::Text(500),
            false,
            "佐证链接（http/https）",
            "Evidence link (http/https)",
        ),
        derived(f(
            "registered_on",
            "registered_on",
            Kind::Date,
            false,
            "登记日期",
            "Registered on",
        )),
        derived(f(
            "closed_on",
            "closed_on",
            Kind::Date,
            false,
            "关闭日期",
            "Closed on",
        )),
    ],
};

pub static ENTITIES: &[&Entity] = &[
    &PROGRAMMES,
    &PAIRS,
    &SUB_PAIRS,
    &PARKS,
    &ENTERPRISES,
    &PROJECTS,
    &PLANS,
    &TASKS,
    &SECONDMENTS,
    &EVENTS,
    &DEMANDS,
    &PARK_OFFERS,
    &CAPITAL_PROVIDERS,
    &MATCHES,
    &ENTERPRISE_FIGURES,
    &PARK_FIGURES,
    &CHAINS,
    &CHAIN_NODES,
    &CHAIN_EDGES,
    &CHAIN_PLACEMENTS,
    &BARRIERS,
    &DISPUTES,
    &DISPUTE_ROUNDS,
    &DISPUTE_ESCALATIONS,
    &produce::SUPPLY_BASES,
    &produce::BASE_CERTIFICATIONS,
    &produce::PRODUCE_BUYERS,
    &produce::SUPPLY_CONTRACTS,
    &produce::DELIVERIES,
    &produce::PRODUCE_EVENTS,
    &innovation::INSTITUTES,
    &innovation::INNOVATION_PLATFORMS,
    &innovation::TECH_CAPABILITIES,
    &innovation::TECH_NEEDS,
    &innovation::TECH_MATCHES,
    &innovation::INNOVATION_PROJECTS,
    &innovation::INNOVATION_MILESTONES,
    &innovation::IP_RECORDS,
];

/// A project's park must belong to the project's pair ([`PROJECTS`]' check).
fn check_project_park(
    c: &mut dyn Conn,
    fields: &mut Map<String, Json>,
) -> Result<(), PlatformError> {
    let Some(park) = fields.get("park_id").and_then(Json::as_i64) else {
        return Ok(());
    };
    let pair = c
        .query_one(
            "SELECT pair_id FROM parks WHERE id = ?",
            &[Value::Int(park)],
        )?
        .and_then(|r| r[0].as_str().map(str::to_string));
    match pair {
        Some(pair) if fields.get("pair_id").and_then(Json::as_str) != Some(pair.as_str()) => {
            Err(PlatformError::Invalid(vec![FieldError::new(
                "pair_id",
                "mismatch",
                format!("park {park} belongs to pair {pair}: choose that pair or another park"),
                format!("园区 {park} 属于结对 {pair}"),
            )]))
        }
        _ => Ok(()),
    }
}

/// A task's pair is its plan's ([`TASKS`]' check; `pair_id` is derived).
fn derive_task_pair(c: &mut dyn Conn, fields: &mut Map<String, Json>) -> Result<(), PlatformError> {
    if let Some(plan) = fields.get("plan_id").and_then(Json::as_i64) {
        let pair = c
            .query_one(
                "SELECT pair_id FROM plans WHERE id = ?",
                &[Value::Int(plan)],
            )?
            .and_then(|r| r[0].as_str().map(str::to_string));
        fields.insert(
            "pair_id".into(),
            pair.map(Json::String).unwrap_or(Json::Null),
        );
    }
    Ok(())
}

/// A record placed in a park belongs to its park's pair (the figures' check; `pair_id` is
/// derived).
fn derive_park_pair(c: &mut dyn Conn, fields: &mut Map<String, Json>) -> Result<(), PlatformError> {
    if let Some(park) = fields.get("park_id").and_then(Json::as_i64) {
        let pair = c
            .query_one(
                "SELECT pair_id FROM parks WHERE id = ?",
                &[Value::Int(park)],
            )?
            .and_then(|r| r[0].as_str().map(str::to_string));
        fields.insert(
            "pair_id".into(),
            pair.map(Json::String).unwrap_or(Json::Null),
        );
    }
    Ok(())
}

/// A part of a chain belongs to its chain's pair (the chain parts' check; `pair_id` is
/// derived).
fn derive_chain_pair(
    c: &mut dyn Conn,
    fields: &mut Map<String, Json>,
) -> Result<(), PlatformError> {
    if let Some(chain) = fields.get("chain_id").and_then(Json::as_i64) {
        let pair = c
            .query_one(
                "SELECT pair_id FROM chains WHERE id = ?",
                &[Value::Int(chain)],
            )?
            .and_then(|r| r[0].as_str().map(str::to_string));
        fields.insert(
            "pair_id".into(),
            pair.map(Json::String).unwrap_or(Json::Null),
        );
    }
    Ok(())
}

/// A segment's pair is its chain's; its key is unique in the chain and its sectors are
/// sectors of the bundled 2020 table of 42 sectors ([`CHAIN_NODES`]' check).
fn check_chain_node(c: &mut dyn Conn, fields: &mut Map<String, Json>) -> Result<(), PlatformError> {
    derive_chain_pair(c, fields)?;
    let mut errors = Vec::new();
    // The bundled table's codes (`01`..`42`), read here rather than from `crate::chains`,
    // which reads these descriptors.
    let table = tandem_data::bundled::bundle()
        .io_table(2020, &tandem_core::Classification::Io42)
        .map(|t| t.sectors.as_slice())
        .unwrap_or_default();
    let unknown: Vec<String> = list_items(fields.get("sectors"))
        .into_iter()
        .filter(|s| !table.iter().any(|k| &k.code == s))
        .collect();
    if !unknown.is_empty() {
        errors.push(FieldError::new(
            "sectors",
            "unknown_sector",
            format!(
                "{} are not sectors of the 2020 table of 42 sectors (codes 01 to 42)",
                unknown.join(", ")
            ),
            format!(
                "{} 不是 2020 年 42 部门投入产出表的部门代码（01 至 42）",
                unknown.join("、")
            ),
        ));
    }
    let (Some(chain), Some(key)) = (
        fields.get("chain_id").and_then(Json::as_i64),
        fields.get("node_key").and_then(Json::as_str),
    ) else {
        return Ok(());
    };
    let own = fields.get("id").and_then(Json::as_i64).unwrap_or(0);
    let taken = c
        .query_one(
            "SELECT id FROM chain_nodes WHERE chain_id = ? AND node_key = ? AND id <> ?",
            &[Value::Int(chain), key.into(), Value::Int(own)],
        )?
        .is_some();
    if taken {
        errors.push(FieldError::new(
            "node_key",
            "taken",
            format!("chain {chain} already has a segment {key}"),
            format!("产业链 {chain} 已有环节 {key}"),
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(PlatformError::Invalid(errors))
    }
}

/// A placement's pair is its chain's, and it names an enterprise: a record or a name
/// ([`CHAIN_PLACEMENTS`]' check).
fn check_chain_placement(
    c: &mut dyn Conn,
    fields: &mut Map<String, Json>,
) -> Result<(), PlatformError> {
    derive_chain_pair(c, fields)?;
    let has = |k: &str| {
        fields
            .get(k)
            .is_some_and(|v| !v.is_null() && v.as_str() != Some(""))
    };
    if !has("enterprise_id") && !has("enterprise_name") {
        return Err(PlatformError::invalid(
            "enterprise_name",
            "required",
            "give the enterprise (a record) or its name".into(),
            "请选择企业或填写企业名称".into(),
        ));
    }
    Ok(())
}

/// The record type with this name.
pub fn entity(name: &str) -> Option<&'static Entity> {
    ENTITIES.iter().copied().find(|e| e.name == name)
}

/// Converts a yuan amount given as a JSON number or text to fen, exactly: text by
/// [`parse_yuan`], a number by its decimal form (`12.5`; a float that needs a third decimal
/// or an exponent is refused, never rounded).
pub fn yuan_to_fen(v: &Json) -> Result<i64, &'static str> {
    match v {
        Json::Number(n) => parse_yuan(&n.to_string()),
        Json::String(s) => parse_yuan(s),
        _ => Err("not_a_number"),
    }
}

/// The largest amount a money field takes: 10^12 yuan (one trillion, 1 万亿), above any single
/// industrial project (the largest run to a few hundred billion yuan), so a plausible amount
/// always fits and a slip of many zeros does not. Amounts are never negative. Sums of amounts do not rely
/// on this cap: they are computed in `i128` (see [`crate::dashboard`]).
pub const MAX_MONEY_FEN: i64 = 100_000_000_000_000;

/// Parses a money field's text into fen: the ledger's rule for amounts
/// ([`Fen::parse_yuan`], which documents it: `12.5`, `12.50`, `1,234.56` yes; `12.`,
/// `12.340`, `12,5` no), then the field's range, 0 to [`MAX_MONEY_FEN`]. Errors are the field
/// rule codes `not_a_number`, `too_many_decimals` and `out_of_range` (negative or too large).
pub fn parse_yuan(text: &str) -> Result<i64, &'static str> {
    match Fen::parse_yuan(text) {
        Ok(Fen(fen)) if (0..=MAX_MONEY_FEN).contains(&fen) => Ok(fen),
        Ok(_) => Err("out_of_range"),
        Err(MoneyError::Parse { rule, .. }) => Err(match rule {
            YuanRule::TooManyDecimals => "too_many_decimals",
            YuanRule::TooLarge => "out_of_range",
            _ => "not_a_number",
        }),
        Err(_) => Err("not_a_number"),
    }
}

/// Fen as a yuan JSON number (exact for amounts up to 10^13 yuan).
pub fn fen_to_json(fen: i64) -> Json {
    if fen % 100 == 0 {
        Json::from(fen / 100)
    } else {
        serde_json::Number::from_f64(fen as f64 / 100.0)
            .map(Json::Number)
            .unwrap_or(Json::Null)
    }
}

/// Fen as `1,234,567.89` text, exactly, for any amount or sum of amounts (sums are `i128`:
/// see [`crate::dashboard`]).
pub fn format_yuan(fen: impl Into<i128>) -> String {
    let fen: i128 = fen.into();
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    format!("{sign}{}.{:02}", group_thousands(abs / 100), abs % 100)
}

/// `1234567` as `1,234,567`.
pub fn group_thousands(n: u128) -> String {
    let digits = n.to_string();
    let mut grouped = String::with_capacity(digits.len() * 4 / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    grouped
}

/// A column value as the field's JSON.
pub fn to_json(field: &Field, v: &Value) -> Json {
    match (field.kind, v) {
        (_, Value::Null) => Json::Null,
        (Kind::Money, v) => v.as_i64().map(fen_to_json).unwrap_or(Json::Null),
        (Kind::List, Value::Text(s)) => Json::Array(
            s.split(',')
                .filter(|x| !x.is_empty())
                .map(|x| Json::String(x.to_string()))
                .collect(),
        ),
        (Kind::Ref(_), Value::Int(i)) => Json::from(*i),
        (Kind::Int(..) | Kind::Year, v) => v.as_i64().map(Json::from).unwrap_or(Json::Null),
        (Kind::Real(..), v) => v
            .as_f64()
            .and_then(serde_json::Number::from_f64)
            .map(Json::Number)
            .unwrap_or(Json::Null),
        (_, Value::Int(i)) => Json::from(*i),
        (_, Value::Real(r)) => serde_json::Number::from_f64(*r)
            .map(Json::Number)
            .unwrap_or(Json::Null),
        (_, Value::Text(s)) => Json::String(s.clone()),
    }
}

/// Whether a referenced entity uses serial (integer) ids.
pub fn ref_is_serial(target: &str) -> bool {
    entity(target).is_some_and(|e| e.id_kind == IdKind::Serial)
}

/// Checks one field's JSON value and converts it to its column value: an empty value is NULL
/// (or `required`), anything else goes to the parser of the field's kind. Reference existence
/// is checked later, against the database.
pub fn parse_field(field: &Field, v: &Json) -> Result<Value, FieldError> {
    if v.is_null() || v.as_str().is_some_and(|s| s.trim().is_empty()) {
        if field.required {
            return Err(field_error(
                field,
                "required",
                format!("{} is required", field.en),
                format!("{}为必填项", field.zh),
            ));
        }
        return Ok(Value::Null);
    }
    match field.kind {
        Kind::Text(max) => parse_text(field, v, max),
        Kind::Date => parse_date_field(field, v),
        Kind::Int(lo, hi) => parse_int(field, v, lo, hi),
        Kind::Ref(target) if ref_is_serial(target) => parse_int(field, v, 1, i64::MAX),
        Kind::Year => parse_year(field, v),
        Kind::Real(lo, hi) => parse_real(field, v, lo, hi),
        Kind::Money => parse_money(field, v),
        Kind::Enum(allowed) => parse_enum(field, v, allowed),
        Kind::List => parse_list(field, v),
        Kind::Ref(_) => parse_slug_ref(field, v),
    }
}

/// A field's error for `rule`, in both languages.
fn field_error(field: &Field, rule: &'static str, en: String, zh: String) -> FieldError {
    FieldError::new(field.name, rule, en, zh)
}

/// A text or number value as trimmed text (a number as JSON writes it); other JSON is `None`.
fn json_text(v: &Json) -> Option<String> {
    match v {
        Json::String(s) => Some(s.trim().to_string()),
        Json::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A [`Kind::Text`] value: at most `max` characters, multi-line fields with `\n` as their
/// only line break, and nothing [`text_rule`] refuses.
fn parse_text(field: &Field, v: &Json, max: usize) -> Result<Value, FieldError> {
    let s = json_text(v).ok_or_else(|| {
        field_error(
            field,
            "not_text",
            format!("{} must be text", field.en),
            format!("{}必须是文本", field.zh),
        )
    })?;
    let single_line = is_single_line(max);
    // Browsers send a textarea's line breaks as CRLF: keep one form of line break.
    let s = if single_line {
        s
    } else {
        s.replace("\r\n", "\n").replace('\r', "\n")
    };
    if s.chars().count() > max {
        return Err(field_error(
            field,
            "too_long",
            format!("{} is longer than {max} characters", field.en),
            format!("{}超过 {max} 个字符", field.zh),
        ));
    }
    if let Some(rule) = text_rule(&s, single_line) {
        return Err(text_error(field, rule));
    }
    Ok(Value::Text(s))
}

/// A [`Kind::Date`] value: `YYYY-MM-DD`, stored as that text.
fn parse_date_field(field: &Field, v: &Json) -> Result<Value, FieldError> {
    let s = json_text(v).unwrap_or_default();
    if crate::clock::parse_date(&s).is_none() {
        return Err(field_error(
            field,
            "bad_date",
            format!("{} must be a date YYYY-MM-DD (got {s:?})", field.en),
            format!("{}必须是 YYYY-MM-DD 格式的日期（收到 {s:?}）", field.zh),
        ));
    }
    Ok(Value::Text(s))
}

/// A [`Kind::Year`] value: a whole number (or its text) from 1949 to 2100.
fn parse_year(field: &Field, v: &Json) -> Result<Value, FieldError> {
    let n = match v {
        Json::Number(n) => n.as_i64(),
        Json::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    };
    match n {
        Some(y) if (1949..=2100).contains(&y) => Ok(Value::Int(y)),
        _ => Err(field_error(
            field,
            "out_of_range",
            format!("{} must be a year between 1949 and 2100", field.en),
            format!("{}必须是 1949 到 2100 之间的年份", field.zh),
        )),
    }
}

/// A [`Kind::Real`] value: a finite number (or its text) from `lo` to `hi`.
fn parse_real(field: &Field, v: &Json, lo: f64, hi: f64) -> Result<Value, FieldError> {
    let x = match v {
        Json::Number(n) => n.as_f64(),
        Json::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    }
    .filter(|x| x.is_finite())
    .ok_or_else(|| {
        field_error(
            field,
            "not_a_number",
            format!("{} must be a number", field.en),
            format!("{}必须是数字", field.zh),
        )
    })?;
    if x < lo || x > hi {
        return Err(field_error(
            field,
            "out_of_range",
            format!("{} must be between {lo} and {hi}", field.en),
            format!("{}必须在 {lo} 到 {hi} 之间", field.zh),
        ));
    }
    Ok(Value::Real(x))
}

/// A [`Kind::Money`] value: yuan ([`yuan_to_fen`]) stored as integer fen.
fn parse_money(field: &Field, v: &Json) -> Result<Value, FieldError> {
    yuan_to_fen(v).map(Value::Int).map_err(|rule| match rule {
        "too_many_decimals" => field_error(
            field,
            rule,
            format!("{} has more than two decimals (fen)", field.en),
            format!("{}最多保留两位小数（分）", field.zh),
        ),
        "out_of_range" => field_error(
            field,
            rule,
            format!("{} must be between 0 and 1,000,000,000,000 yuan", field.en),
            format!("{}必须在 0 到 1 万亿元之间", field.zh),
        ),
        _ => field_error(
            field,
            "not_a_number",
            format!(
                "{} must be an amount in yuan, e.g. 1250000.50 or 1,250,000.50 (decimals \
                 after '.')",
                field.en
            ),
            format!(
                "{}必须是以元为单位的金额，例如 1250000.50 或 1,250,000.50（小数用 '.'）",
                field.zh
            ),
        ),
    })
}

/// A [`Kind::Enum`] value: one of `allowed`, exactly.
fn parse_enum(field: &Field, v: &Json, allowed: &[&str]) -> Result<Value, FieldError> {
    let s = json_text(v).unwrap_or_default();
    if allowed.contains(&s.as_str()) {
        Ok(Value::Text(s))
    } else {
        Err(field_error(
            field,
            "not_allowed",
            format!("{} must be one of: {}", field.en, allowed.join(", ")),
            format!("{}只能是：{}", field.zh, allowed.join("、")),
        ))
    }
}

/// A [`Kind::List`] value: a JSON array, or text separated by `,` `，` `;` `；`; empty items
/// dropped; at most 50 single-line codes of at most 64 characters; stored comma-joined.
fn parse_list(field: &Field, v: &Json) -> Result<Value, FieldError> {
    let items: Vec<String> = match v {
        Json::Array(a) => a.iter().filter_map(json_text).collect(),
        Json::String(s) => s
            .split([',', '，', ';', '；'])
            .map(|x| x.trim().to_string())
            .collect(),
        _ => Vec::new(),
    };
    let items: Vec<String> = items.into_iter().filter(|s| !s.is_empty()).collect();
    if let Some(rule) = items.iter().find_map(|s| text_rule(s, true)) {
        return Err(text_error(field, rule));
    }
    if items
        .iter()
        .any(|s| s.chars().count() > 64 || s.contains(','))
        || items.len() > 50
    {
        return Err(field_error(
            field,
            "bad_list",
            format!("{} must be a list of up to 50 short codes", field.en),
            format!("{}必须是不超过 50 项的简短代码列表", field.zh),
        ));
    }
    Ok(Value::Text(items.join(",")))
}

/// A [`Kind::Ref`] value to a record type with slug ids (pairs, programmes): 1-64 ASCII
/// letters, digits, `-` or `_`. Whether the record exists is checked later.
fn parse_slug_ref(field: &Field, v: &Json) -> Result<Value, FieldError> {
    let s = json_text(v).unwrap_or_default();
    if s.is_empty()
        || s.len() > 64
        || !s
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(field_error(
            field,
            "not_found",
            format!("{} must be an id such as pair-minhang-huainan", field.en),
            format!("{}必须是编号，例如 pair-minhang-huainan", field.zh),
        ));
    }
    Ok(Value::Text(s))
}

/// Text fields of up to this many characters are single-line: names, titles, codes, people
/// and organisations (the forms show them as one-line inputs). Longer ones are multi-line:
/// descriptions, incentives, evidence.
pub const SINGLE_LINE_MAX: usize = 300;

/// Whether a [`Kind::Text`] field of at most `max` characters is single-line.
pub fn is_single_line(max: usize) -> bool {
    max <= SINGLE_LINE_MAX
}

/// Whether `c` is a bidirectional embedding, override or isolate character (U+202A–U+202E,
/// U+2066–U+2069). Each reorders how the text after it is *displayed*, so a name can read as
/// something else than it is (the "Trojan Source" trick, CVE-2021-42574), e.g. a project
/// shown under another enterprise's name. No text of the platform needs them: browsers lay
/// out Chinese, English and right-to-left names correctly without them.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// The rule `text` breaks, if any, as a [`FieldError`] rule code:
///
/// * `bidi_control` — a bidirectional control character ([`is_bidi_control`]), in any text;
/// * `control_character` — in single-line text any control character (line breaks and tabs
///   included) and the Unicode line and paragraph separators (U+2028, U+2029): a name with
///   a line break breaks lists, CSV and XLSX exports and log lines, and a tab misaligns them;
///   in multi-line text any control character but line feed and tab.
///
/// Other invisible format characters (zero-width space and joiners, the left-to-right and
/// right-to-left marks) are allowed: joiners are part of emoji and some scripts, and marks
/// only set the direction of neutral characters, they do not reorder text.
pub fn text_rule(text: &str, single_line: bool) -> Option<&'static str> {
    if text.chars().any(is_bidi_control) {
        return Some("bidi_control");
    }
    let bad = |c: char| {
        if single_line {
            c.is_control() || c == '\u{2028}' || c == '\u{2029}'
        } else {
            c.is_control() && c != '\n' && c != '\t'
        }
    };
    text.chars().any(bad).then_some("control_character")
}

/// The message for a rule of [`text_rule`], in both languages.
pub fn text_rule_messages(rule: &str, en_name: &str, zh_name: &str) -> (String, String) {
    match rule {
        "bidi_control" => (
            format!(
                "{en_name} contains a bidirectional control character (U+202A–U+202E or \
                 U+2066–U+2069), which makes text display differently from what it is; remove \
                 it (retype the text if it was pasted)"
            ),
            format!(
                "{zh_name}含有双向文本控制字符（U+202A–U+202E 或 U+2066–U+2069），会使文字的\
                 显示与实际内容不符；请删除（如为粘贴的文字，请重新输入）"
            ),
        ),
        _ => (
            format!(
                "{en_name} must be one line without control characters such as line breaks or tabs"
            ),
            format!("{zh_name}必须是一行文字，不能含换行、制表符等控制字符"),
        ),
    }
}

fn text_error(field: &Field, rule: &'static str) -> FieldError {
    let (en, zh) = match (rule, field.kind) {
        ("control_character", Kind::Text(max)) if !is_single_line(max) => (
            format!(
                "{} contains control characters (only line breaks and tabs are allowed)",
                field.en
            ),
            format!("{}含有控制字符（只允许换行和制表符）", field.zh),
        ),
        _ => text_rule_messages(rule, field.en, field.zh),
    };
    FieldError::new(field.name, rule, en, zh)
}

fn parse_int(field: &Field, v: &Json, lo: i64, hi: i64) -> Result<Value, FieldError> {
    let n = match v {
        Json::Number(n) => n.as_i64(),
        Json::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    }
    .ok_or_else(|| {
        FieldError::new(
            field.name,
            "not_a_number",
            format!("{} must be a whole number", field.en),
            format!("{}必须是整数", field.zh),
        )
    })?;
    if n < lo || n > hi {
        return Err(FieldError::new(
            field.name,
            "out_of_range",
            format!("{} must be between {lo} and {hi}", field.en),
            format!("{}必须在 {lo} 到 {hi} 之间", field.zh),
        ));
    }
    Ok(Value::Int(n))
}

/// A record read from the database as JSON: `id`, its fields, `version`, `updated_at`.
pub fn row_to_json(entity: &Entity, row: &[Value]) -> Map<String, Json> {
    let mut m = Map::new();
    m.insert(
        "id".into(),
        match &row[0] {
            Value::Int(i) => Json::from(*i),
            Value::Text(s) => Json::String(s.clone()),
            _ => Json::Null,
        },
    );
    for (i, field) in entity.fields.iter().enumerate() {
        m.insert(field.name.into(), to_json(field, &row[i + 1]));
    }
    let n = entity.fields.len();
    m.insert(
        "version".into(),
        row[n + 1].as_i64().map(Json::from).unwrap_or(Json::Null),
    );
    m.insert(
        "updated_at".into(),
        row[n + 2]
            .as_str()
            .map(|s| Json::String(s.into()))
            .unwrap_or(Json::Null),
    );
    m
}

/// The longest display name, in characters.
pub const MAX_DISPLAY_NAME_CHARS: usize = 100;

/// Checks a display name: at most [`MAX_DISPLAY_NAME_CHARS`] characters on one line, without
/// control or bidirectional control characters (`entity::text_rule`). The message says what
/// to change.
pub fn check_display_name(name: &str) -> Result<(), String> {
    if name.chars().count() > MAX_DISPLAY_NAME_CHARS {
        return Err(format!(
            "display name: at most {MAX_DISPLAY_NAME_CHARS} characters"
        ));
    }
    match text_rule(name, true) {
        Some(rule) => Err(text_rule_messages(rule, "display name", "显示名称").0),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuan_is_parsed_exactly() {
        assert_eq!(parse_yuan("0"), Ok(0));
        assert_eq!(parse_yuan("12.3"), Ok(1230));
        assert_eq!(parse_yuan("12.34"), Ok(1234));
        // Refused since issue #15, as the ledger refuses it: fen are the smallest unit.
        assert_eq!(parse_yuan("12.340"), Err("too_many_decimals"));
        assert_eq!(parse_yuan("12.345"), Err("too_many_decimals"));
        // A negative amount is a number outside the field's range (was `not_a_number`).
        assert_eq!(parse_yuan("-1"), Err("out_of_range"));
        assert_eq!(parse_yuan("1e5"), Err("not_a_number"));
        assert_eq!(parse_yuan("99999999999999"), Err("out_of_range"));
        assert_eq!(yuan_to_fen(&serde_json::json!(0.1)), Ok(10));
        assert_eq!(
            yuan_to_fen(&serde_json::json!("1,250,000.5")),
            Ok(125_000_050)
        );
        assert_eq!(format_yuan(125_000_050), "1,250,000.50");
        assert_eq!(format_yuan(-5), "-0.05");
        assert_eq!(
            format_yuan(93_000i128 * 100_000_000_000_000),
            "93,000,000,000,000,000.00"
        );
        assert_eq!(fen_to_json(1234), serde_json::json!(12.34));
    }

    /// Money fields and the ledger read amounts by one rule: on every input of the table,
    /// the field accepts exactly what [`Fen::parse_yuan`] accepts within the field's range,
    /// with the same number of fen, by text and by JSON.
    #[test]
    fn money_fields_and_the_ledger_agree() {
        let table: &[(&str, Result<i64, &str>)] = &[
            ("0", Ok(0)),
            ("12.5", Ok(1_250)),
            ("12.50", Ok(1_250)),
            ("  1250000.5 ", Ok(125_000_050)),
            ("1,234.56", Ok(123_456)),
            ("1，234，567", Ok(123_456_700)),
            ("+7", Ok(700)),
            ("1,000,000,000,000", Ok(MAX_MONEY_FEN)),
            ("1,000,000,000,000.01", Err("out_of_range")),
            ("-12.5", Err("out_of_range")),
            ("99999999999999999999", Err("out_of_range")),
            ("12.", Err("not_a_number")),
            (".5", Err("not_a_number")),
            ("12.340", Err("too_many_decimals")),
            ("12,5", Err("not_a_number")),
            ("1,23", Err("not_a_number")),
            ("1e5", Err("not_a_number")),
            ("12 000", Err("not_a_number")),
            ("¥12", Err("not_a_number")),
            ("", Err("not_a_number")),
        ];
        for &(text, want) in table {
            let field = parse_yuan(text);
            assert_eq!(field, want, "{text:?}");
            let ledger = Fen::parse_yuan(text)
                .ok()
                .filter(|f| (0..=MAX_MONEY_FEN).contains(&f.0));
            assert_eq!(
                field.ok().map(Fen),
                ledger,
                "{text:?}: field and ledger differ"
            );
            assert_eq!(yuan_to_fen(&Json::String(text.into())), field, "{text:?}");
        }
        for (number, want) in [
            (serde_json::json!(12.5), Ok(1_250)),
            (serde_json::json!(7), Ok(700)),
            (serde_json::json!(0.125), Err("too_many_decimals")),
            (serde_json::json!(-1), Err("out_of_range")),
            (serde_json::json!(true), Err("not_a_number")),
        ] {
            assert_eq!(yuan_to_fen(&number), want, "{number}");
        }
    }

    /// The rules of each descriptor name fields it has: a default or a binding for a field
    /// that does not exist, or a derived field a client could also write, would be silently
    /// ignored or fought over by the record service.
    #[test]
    fn descriptor_rules_name_their_own_fields() {
        for e in ENTITIES {
            let r = &e.rules;
            for (name, _) in r.defaults {
                assert!(e.field(name).is_some(), "{}: default for {name}", e.name);
            }
            for name in r.derived {
                let f = e
                    .field(name)
                    .unwrap_or_else(|| panic!("{}: {name}", e.name));
                assert!(!f.writable, "{}: derived {name} is writable", e.name);
                assert!(
                    r.check.is_some(),
                    "{}: {name} derived without a check",
                    e.name
                );
            }
            if let Some(name) = r.enterprise_binding {
                assert!(e.field(name).is_some(), "{}: binding {name}", e.name);
            }
            if r.review_flags {
                assert!(e.field("review_flags").is_some(), "{}", e.name);
            }
        }
        let own: Vec<_> = ENTITIES
            .iter()
            .filter_map(|e| e.rules.own_scope.map(|s| (e.name, s)))
            .collect();
        assert_eq!(
            own,
            [
                ("pairs", OwnScope::Pair),
                ("parks", OwnScope::Park),
                ("enterprises", OwnScope::Enterprise)
            ]
        );
    }

    #[test]
    fn text_rules_refuse_bidi_controls_everywhere_and_breaks_in_one_line_fields() {
        for c in ['\u{202A}', '\u{202E}', '\u{2066}', '\u{2069}'] {
            let s = format!("a{c}b");
            assert_eq!(text_rule(&s, true), Some("bidi_control"));
            assert_eq!(text_rule(&s, false), Some("bidi_control"));
        }
        for s in ["a\nb", "a\tb", "a\u{2028}b", "a\u{0}b"] {
            assert_eq!(text_rule(s, true), Some("control_character"), "{s:?}");
        }
        assert_eq!(text_rule("a\nb\tc", false), None);
        assert_eq!(text_rule("a\u{7}b", false), Some("control_character"));
        // Marks and joiners are not reordering controls.
        assert_eq!(text_rule("徐淮\u{200E}园区\u{200D}", true), None);
        let name = PARKS.field("name").unwrap();
        let e = parse_field(name, &serde_json::json!("x\u{202E}y")).unwrap_err();
        assert_eq!((e.field.as_str(), e.rule), ("name", "bidi_control"));
        assert!(e.message_zh.starts_with("园区名称"));
    }

    #[test]
    fn field_rules_name_the_field() {
        let amount = PROJECTS.field("amount_agreed_yuan").unwrap();
        let e = parse_field(amount, &serde_json::json!("abc")).unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.rule),
            ("amount_agreed_yuan", "not_a_number")
        );
        let stage = PROJECTS.field("initiated_by").unwrap();
        assert_eq!(
            parse_field(stage, &serde_json::json!(null))
                .unwrap_err()
                .rule,
            "required"
        );
        let due = TASKS.field("due_on").unwrap();
        assert_eq!(
            parse_field(due, &serde_json::json!("2024-02-30"))
                .unwrap_err()
                .rule,
            "bad_date"
        );
        let park = PROJECTS.field("park_id").unwrap();
        assert_eq!(
            parse_field(park, &serde_json::json!("7")),
            Ok(Value::Int(7))
        );
        let pair = PROJECTS.field("pair_id").unwrap();
        assert_eq!(
            parse_field(pair, &serde_json::json!("pair-minhang-huainan")),
            Ok(Value::Text("pair-minhang-huainan".into()))
        );
    }
}
