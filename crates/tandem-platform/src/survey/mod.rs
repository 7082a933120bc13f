//! Enterprise satisfaction surveys in co-built parks (issue #16): yearly waves per park, each
//! with a questionnaire ([`questionnaire`]) and opening and closing dates; respondents answer
//! without an account through a link holding a token; results by area and item
//! ([`results`]).
//!
//! * **Who.** A wave is opened, and its tokens issued, by the park's operator, a coordinator
//!   or an administrator (`auth::may_run_surveys`); its results are read as
//!   `auth::survey_access` allows (the park's operator in full, researchers suppressed
//!   aggregates, officers and enterprise users nothing: 404).
//! * **Tokens.** 128 random bits as 32 hexadecimal characters, handed out once (as links) when
//!   issued and stored only as their SHA-256, so a copy of the database yields no usable
//!   link. At most [`MAX_TOKENS_PER_REQUEST`] per request and [`MAX_TOKENS_PER_WAVE`] per wave.
//! * **Anonymity.** A response row does not refer to its token: submitting marks the token
//!   used and inserts the response (random id, the day only, the answers) in one transaction,
//!   and nothing else is written (no audit row, which would carry the time). Free-text
//!   answers are listed sorted, not in the order they came in.
//! * **One response per token.** The token is marked used by `UPDATE … WHERE used = 0`; a
//!   second submission changes no row and is refused, whatever the interleaving.

pub mod questionnaire;
pub mod results;

use crate::auth::{self, SurveyAccess, User};
use crate::clock;
use crate::db::{Conn, Db, DbError, Row, Value};
use crate::entity::{text_rule, text_rule_messages};
use crate::error::{FieldError, PlatformError};
use questionnaire::{Answers, Questionnaire};
use serde::{Deserialize, Serialize};

/// Tokens issued in one request.
pub const MAX_TOKENS_PER_REQUEST: i64 = 1000;
/// Tokens issued for one wave in all (far above the enterprises of one park).
pub const MAX_TOKENS_PER_WAVE: i64 = 5000;
/// The length of a token in hexadecimal characters (128 bits).
pub const TOKEN_HEX_CHARS: usize = 32;

/// A wave to open.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewWave {
    /// The park surveyed.
    pub park_id: i64,
    /// The survey's year (2000-2100); one wave per park and year.
    pub year: i64,
    /// The wave's title; the questionnaire's title when absent.
    #[serde(default)]
    pub title: Option<String>,
    /// First day answers are accepted (`YYYY-MM-DD`).
    pub opens_on: String,
    /// Last day answers are accepted (`YYYY-MM-DD`, UTC).
    pub closes_on: String,
    /// The questionnaire; the shipped default when absent.
    #[serde(default)]
    pub questionnaire: Option<serde_json::Value>,
}

/// A wave as its readers see it.
#[derive(Clone, Debug, Serialize)]
pub struct Wave {
    /// The wave's id.
    pub id: i64,
    /// The park surveyed.
    pub park_id: i64,
    /// The park's name.
    pub park_name: String,
    /// The survey's year.
    pub year: i64,
    /// The wave's title.
    pub title: String,
    /// First day answers are accepted.
    pub opens_on: String,
    /// Last day answers are accepted.
    pub closes_on: String,
    /// Tokens issued so far.
    pub tokens_issued: i64,
    /// Who opened the wave (`User::actor`).
    pub created_by: String,
    /// The questionnaire.
    pub questionnaire: Questionnaire,
}

/// Why a respondent's request was refused.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    /// No such token for this wave (also: a malformed token, a token of another wave).
    #[error("this survey link is not valid")]
    UnknownToken,
    /// The token was already used: one response per token.
    #[error("this survey link was already used to answer")]
    Used,
    /// The wave opens later.
    #[error("the survey opens on {0}")]
    NotOpen(String),
    /// The wave is closed.
    #[error("the survey closed on {0}")]
    Closed(String),
    /// The answers break a rule; nothing was stored and the token is still unused.
    #[error("invalid answers: {}", .0.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

const WAVE_COLUMNS: &str = "w.id, w.park_id, p.name AS park_name, w.year, w.title, w.opens_on, \
     w.closes_on, w.questionnaire, w.tokens_issued, w.created_by";

fn wave_from_row(r: &Row) -> Result<Wave, DbError> {
    let questionnaire = serde_json::from_str(r.text("questionnaire")?)
        .map_err(|e| DbError::Other(format!("a stored questionnaire does not parse: {e}")))?;
    Ok(Wave {
        id: r.int("id")?,
        park_id: r.int("park_id")?,
        park_name: r.text("park_name")?.to_string(),
        year: r.int("year")?,
        title: r.text("title")?.to_string(),
        opens_on: r.text("opens_on")?.to_string(),
        closes_on: r.text("closes_on")?.to_string(),
        tokens_issued: r.int("tokens_issued")?,
        created_by: r.text("created_by")?.to_string(),
        questionnaire,
    })
}

fn load_wave(c: &mut dyn Conn, id: i64) -> Result<Option<Wave>, DbError> {
    c.query_one(
        &format!(
            "SELECT {WAVE_COLUMNS} FROM survey_waves w JOIN parks p ON p.id = w.park_id \
             WHERE w.id = ?"
        ),
        &[Value::Int(id)],
    )?
    .map(|r| wave_from_row(&r))
    .transpose()
}

fn not_found(id: i64) -> PlatformError {
    PlatformError::NotFound(format!("survey wave {id}"))
}

/// The wave `id` if `user` may see it, with what they may see; 404 otherwise (whether it
/// exists or not).
fn readable_wave(
    c: &mut dyn Conn,
    user: &User,
    id: i64,
) -> Result<(Wave, SurveyAccess), PlatformError> {
    let wave = load_wave(c, id)?.ok_or_else(|| not_found(id))?;
    match auth::survey_access(user, wave.park_id) {
        SurveyAccess::Hidden => Err(not_found(id)),
        access => Ok((wave, access)),
    }
}

fn field(field: &str, rule: &'static str, en: String, zh: String) -> FieldError {
    FieldError::new(field, rule, en, zh)
}

/// The checked title, dates and questionnaire of a new wave (every problem reported).
fn check_new_wave(new: &NewWave) -> Result<(String, String), PlatformError> {
    let mut errors = Vec::new();
    if !(2000..=2100).contains(&new.year) {
        errors.push(field(
            "year",
            "out_of_range",
            "year must be between 2000 and 2100".into(),
            "年份必须在 2000 到 2100 之间".into(),
        ));
    }
    let opens = clock::parse_date(new.opens_on.trim());
    let closes = clock::parse_date(new.closes_on.trim());
    for (name, parsed) in [("opens_on", opens), ("closes_on", closes)] {
        if parsed.is_none() {
            errors.push(field(
                name,
                "bad_date",
                format!("{name} must be a date YYYY-MM-DD"),
                format!("{name} 必须是日期 YYYY-MM-DD"),
            ));
        }
    }
    if let (Some(o), Some(c)) = (opens, closes) {
        if c < o {
            errors.push(field(
                "closes_on",
                "out_of_range",
                "the wave must close on or after the day it opens".into(),
                "截止日期不能早于开始日期".into(),
            ));
        }
    }
    let q = match &new.questionnaire {
        None => Questionnaire::default_questionnaire(),
        Some(json) => match questionnaire::parse(&json.to_string()) {
            Ok(q) => q,
            Err(PlatformError::Invalid(mut e)) => {
                errors.append(&mut e);
                Questionnaire::default_questionnaire()
            }
            Err(other) => return Err(other),
        },
    };
    let title = check_title(new.title.as_deref(), &q, &mut errors);
    if !errors.is_empty() {
        return Err(PlatformError::Invalid(errors));
    }
    let stored = serde_json::to_string(&q).map_err(|e| DbError::Other(e.to_string()))?;
    Ok((title, stored))
}

fn check_title(title: Option<&str>, q: &Questionnaire, errors: &mut Vec<FieldError>) -> String {
    let title = match title.map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => t.to_string(),
        None => format!("{} / {}", q.title.zh, q.title.en),
    };
    if title.chars().count() > questionnaire::MAX_TEXT_CHARS * 2 {
        errors.push(field(
            "title",
            "too_long",
            "the title is too long".into(),
            "标题过长".into(),
        ));
    }
    if let Some(rule) = text_rule(&title, true) {
        let (en, zh) = text_rule_messages(rule, "title", "标题");
        errors.push(field("title", rule, en, zh));
    }
    title
}

/// Opens a wave for a park (its operator, a coordinator or an administrator), with its audit
/// row. A second wave for the same park and year is refused (422).
pub fn create_wave(db: &Db, user: &User, new: &NewWave) -> Result<Wave, PlatformError> {
    let (title, stored) = check_new_wave(new)?;
    db.write(|c| {
        let park = c.query_one(
            "SELECT id FROM parks WHERE id = ?",
            &[Value::Int(new.park_id)],
        )?;
        if park.is_none() {
            return Err(PlatformError::NotFound(format!("park {}", new.park_id)));
        }
        if !auth::may_run_surveys(user, new.park_id) {
            return Err(PlatformError::Forbidden(format!(
                "{} may not open surveys for park {}",
                user.actor(),
                new.park_id
            )));
        }
        let now = clock::now_timestamp();
        let inserted = c.query_i64(
            "INSERT INTO survey_waves (park_id, year, title, opens_on, closes_on, questionnaire, \
             tokens_issued, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?) \
             RETURNING id",
            &[
                Value::Int(new.park_id),
                Value::Int(new.year),
                title.clone().into(),
                new.opens_on.trim().into(),
                new.closes_on.trim().into(),
                stored.clone().into(),
                user.actor().into(),
                now.clone().into(),
            ],
        );
        let id = match inserted {
            Err(e) if e.is_unique_violation() => {
                return Err(PlatformError::invalid(
                    "year",
                    "taken",
                    format!(
                        "park {} already has a survey wave for {}",
                        new.park_id, new.year
                    ),
                    format!("园区 {} 已有 {} 年的调查", new.park_id, new.year),
                ))
            }
            other => other?,
        };
        audit(c, user, id, "create", &format!("{title} ({})", new.year))?;
        load_wave(c, id)?.ok_or_else(|| not_found(id))
    })
}

fn audit(
    c: &mut dyn Conn,
    user: &User,
    wave: i64,
    action: &str,
    what: &str,
) -> Result<(), DbError> {
    c.execute(
        "INSERT INTO audit_log (at, actor, entity, record_id, action, before_json, after_json) \
         VALUES (?, ?, 'survey_waves', ?, ?, NULL, ?)",
        &[
            clock::now_timestamp().into(),
            user.actor().into(),
            wave.to_string().into(),
            action.into(),
            serde_json::json!({ "what": what }).to_string().into(),
        ],
    )?;
    Ok(())
}

/// The waves `user` may see, newest year first, with their response counts.
pub fn list_waves(db: &Db, user: &User) -> Result<Vec<(Wave, i64)>, PlatformError> {
    let (condition, params) =
        auth::survey_read_filter(user).unwrap_or_else(|| ("1 = 1".into(), Vec::new()));
    db.read(|c| {
        let rows = c.query(
            &format!(
                "SELECT {WAVE_COLUMNS}, (SELECT CAST(COUNT(*) AS BIGINT) FROM survey_responses r \
                 WHERE r.wave_id = w.id) AS responses FROM survey_waves w \
                 JOIN parks p ON p.id = w.park_id WHERE {condition} \
                 ORDER BY w.year DESC, w.id DESC LIMIT 1000"
            ),
            &params,
        )?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            out.push((wave_from_row(r)?, r.int("responses")?));
        }
        Ok(out)
    })
}

/// Issues `count` new tokens for a wave and returns them: the only time they exist outside a
/// respondent's link. The park's operator, coordinators and administrators only; others who
/// may read the wave get 403, the rest 404.
pub fn issue_tokens(
    db: &Db,
    user: &User,
    wave_id: i64,
    count: i64,
) -> Result<(Wave, Vec<String>), PlatformError> {
    if !(1..=MAX_TOKENS_PER_REQUEST).contains(&count) {
        return Err(PlatformError::invalid(
            "count",
            "out_of_range",
            format!("issue between 1 and {MAX_TOKENS_PER_REQUEST} tokens at a time"),
            format!("每次发放 1 到 {MAX_TOKENS_PER_REQUEST} 个链接"),
        ));
    }
    let tokens = (0..count)
        .map(|_| new_token())
        .collect::<Result<Vec<_>, _>>()?;
    db.write(|c| {
        let (wave, _) = readable_wave(c, user, wave_id)?;
        if !auth::may_run_surveys(user, wave.park_id) {
            return Err(PlatformError::Forbidden(format!(
                "{} may not issue survey links for park {}",
                user.actor(),
                wave.park_id
            )));
        }
        if wave.tokens_issued + count > MAX_TOKENS_PER_WAVE {
            return Err(PlatformError::TooLarge(format!(
                "a wave has at most {MAX_TOKENS_PER_WAVE} links ({} issued already)",
                wave.tokens_issued
            )));
        }
        for t in &tokens {
            c.execute(
                "INSERT INTO survey_tokens (token_hash, wave_id, used) VALUES (?, ?, 0)",
                &[auth::token_hash(t).into(), Value::Int(wave_id)],
            )?;
        }
        c.execute(
            "UPDATE survey_waves SET tokens_issued = tokens_issued + ? WHERE id = ?",
            &[Value::Int(count), Value::Int(wave_id)],
        )?;
        audit(c, user, wave_id, "issue_tokens", &format!("{count} links"))?;
        let wave = load_wave(c, wave_id)?.ok_or_else(|| not_found(wave_id))?;
        Ok((wave, tokens))
    })
}

/// 128 random bits as 32 lower-case hexadecimal characters.
fn new_token() -> Result<String, DbError> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).map_err(|e| DbError::Other(format!("no randomness: {e}")))?;
    Ok(hex::encode(b))
}

/// A wave and its results as `user` may see them; 404 for a wave they may not see.
pub fn wave_results(
    db: &Db,
    user: &User,
    wave_id: i64,
) -> Result<(Wave, results::Results), PlatformError> {
    db.read(|c| {
        let (wave, access) = readable_wave(c, user, wave_id)?;
        let res = results_of(c, &wave, access)?;
        Ok((wave, res))
    })
}

/// Every wave of a park, oldest year first, with its results as `user` may see them: the
/// park's figures side by side over the years. 404 for a park whose surveys they may not see.
pub fn park_results(
    db: &Db,
    user: &User,
    park_id: i64,
) -> Result<Vec<(Wave, results::Results)>, PlatformError> {
    let access = auth::survey_access(user, park_id);
    if access == SurveyAccess::Hidden {
        return Err(PlatformError::NotFound(format!(
            "surveys of park {park_id}"
        )));
    }
    db.read(|c| {
        let rows = c.query(
            &format!(
                "SELECT {WAVE_COLUMNS} FROM survey_waves w JOIN parks p ON p.id = w.park_id \
                 WHERE w.park_id = ? ORDER BY w.year"
            ),
            &[Value::Int(park_id)],
        )?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let wave = wave_from_row(r)?;
            let res = results_of(c, &wave, access)?;
            out.push((wave, res));
        }
        Ok(out)
    })
}

/// The results of `wave` from its stored responses, as `access` may see them.
fn results_of(
    c: &mut dyn Conn,
    wave: &Wave,
    access: SurveyAccess,
) -> Result<results::Results, PlatformError> {
    let rows = c.query(
        "SELECT answers FROM survey_responses WHERE wave_id = ? ORDER BY id",
        &[Value::Int(wave.id)],
    )?;
    let mut answers = Vec::with_capacity(rows.len());
    for r in &rows {
        let a: Answers = serde_json::from_str(r.text("answers")?)
            .map_err(|e| DbError::Other(format!("stored answers do not parse: {e}")))?;
        answers.push(a);
    }
    Ok(results::results(
        &wave.questionnaire,
        &answers,
        wave.tokens_issued,
        access,
    ))
}

/// The wave a respondent's link opens, if the token is one of its unused tokens and the wave
/// is open today (UTC).
fn respondent_wave(c: &mut dyn Conn, wave_id: i64, token: &str) -> Result<Wave, SubmitError> {
    let well_formed = token.len() == TOKEN_HEX_CHARS
        && token
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !well_formed {
        return Err(SubmitError::UnknownToken);
    }
    let row = c.query_one(
        "SELECT used FROM survey_tokens WHERE token_hash = ? AND wave_id = ?",
        &[auth::token_hash(token).into(), Value::Int(wave_id)],
    )?;
    let Some(row) = row else {
        return Err(SubmitError::UnknownToken);
    };
    if row.int("used")? != 0 {
        return Err(SubmitError::Used);
    }
    let wave = load_wave(c, wave_id)?.ok_or(SubmitError::UnknownToken)?;
    let today = clock::today();
    if today < wave.opens_on {
        return Err(SubmitError::NotOpen(wave.opens_on));
    }
    if today > wave.closes_on {
        return Err(SubmitError::Closed(wave.closes_on));
    }
    Ok(wave)
}

/// The wave a respondent may answer with `token` (for the form).
pub fn open_for(db: &Db, wave_id: i64, token: &str) -> Result<Wave, SubmitError> {
    db.read(|c| respondent_wave(c, wave_id, token))
}

/// Stores a respondent's answers (the posted form's fields) and uses up the token, in one
/// transaction; on any refusal nothing is stored and the token stays as it was.
pub fn submit(
    db: &Db,
    wave_id: i64,
    token: &str,
    form: &[(String, String)],
) -> Result<(), SubmitError> {
    db.write(|c| {
        let wave = respondent_wave(c, wave_id, token)?;
        let answers = questionnaire::check_answers(&wave.questionnaire, form)
            .map_err(SubmitError::Invalid)?;
        let marked = c.execute(
            "UPDATE survey_tokens SET used = 1 WHERE token_hash = ? AND wave_id = ? AND used = 0",
            &[auth::token_hash(token).into(), Value::Int(wave_id)],
        )?;
        if marked != 1 {
            return Err(SubmitError::Used);
        }
        let json = serde_json::to_string(&answers).map_err(|e| DbError::Other(e.to_string()))?;
        c.execute(
            "INSERT INTO survey_responses (id, wave_id, submitted_on, answers) VALUES (?, ?, ?, ?)",
            &[
                new_token()?.into(),
                Value::Int(wave_id),
                clock::today().into(),
                json.into(),
            ],
        )?;
        Ok(())
    })
}

/// The respondent's path of a token: `/survey/WAVE/TOKEN`.
pub fn link_path(wave_id: i64, token: &str) -> String {
    format!("/survey/{wave_id}/{token}")
}

/// The links of `tokens` as CSV (`number,link`), each link `base` + [`link_path`].
pub fn links_csv(base: &str, wave_id: i64, tokens: &[String]) -> String {
    let mut out = String::from("number,link\n");
    for (i, t) in tokens.iter().enumerate() {
        out.push_str(&format!("{},{base}{}\n", i + 1, link_path(wave_id, t)));
    }
    out
}

/// The links of `tokens` as an XLSX workbook (one sheet: number, link).
pub fn links_xlsx(base: &str, wave_id: i64, tokens: &[String]) -> Result<Vec<u8>, PlatformError> {
    let fail = |e: rust_xlsxwriter::XlsxError| DbError::Other(format!("XLSX: {e}"));
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "number").map_err(fail)?;
    sheet.write_string(0, 1, "link").map_err(fail)?;
    for (i, t) in tokens.iter().enumerate() {
        let row = u32::try_from(i + 1).unwrap_or(u32::MAX);
        sheet.write_number(row, 0, (i + 1) as f64).map_err(fail)?;
        sheet
            .write_string(row, 1, format!("{base}{}", link_path(wave_id, t)))
            .map_err(fail)?;
    }
    sheet.set_column_width(1, 80).map_err(fail)?;
    Ok(book.save_to_buffer().map_err(fail)?)
}
