//! The deterministic data sets: the client's (and user 12's) `--funnels N`, users 13 and 14 with
//! their edge cases, the customer users, and the funnels of the `--users` clients, built on demand;
//! `--mutate` edits the first set as `mutate.rs` says.

use std::fmt::Write as _;

use crate::mutate::{Mutation, StageRow};
use crate::table::{Datum, FUNNEL_FIELDS, Table, USER_FIELDS, push_json_str};

/// The first id of the `--users` clients.
pub(crate) const FIRST_EXTRA_USER: i64 = 1000;
/// Funnels of each `--users` client.
const EXTRA_USER_FUNNELS: usize = 10;

/// A deterministic stand-in for randomness (`SplitMix64`).
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

const STAGES_RU: [&str; 10] = [
    "Новая заявка",
    "Квалификация",
    "Первичный контакт",
    "Презентация",
    "Коммерческое предложение",
    "Переговоры",
    "Согласование договора",
    "Выставлен счёт",
    "Ожидание оплаты",
    "Отгрузка",
];
const STAGES_EN: [&str; 10] = [
    "New lead",
    "Qualification",
    "First contact",
    "Demo",
    "Proposal sent",
    "Negotiation",
    "Contract review",
    "Invoice issued",
    "Awaiting payment",
    "Delivery",
];

/// Writes a `stages` array: `in_process` stages 1..=n, then success (10010) and failed (10020);
/// with `closing_first` the closing stages come first in the array (orders are unchanged).
fn write_stages(out: &mut String, russian: bool, n: usize, ext_id: impl Fn(usize) -> String, closing_first: bool) {
    write_edited_stages(out, russian, n, ext_id, closing_first, |_| {});
}

/// [`write_stages`], with the stages edited by `edit` (`--mutate`) before they are written.
fn write_edited_stages(
    out: &mut String,
    russian: bool,
    n: usize,
    ext_id: impl Fn(usize) -> String,
    closing_first: bool,
    edit: impl FnOnce(&mut Vec<StageRow>),
) {
    let names = if russian { &STAGES_RU } else { &STAGES_EN };
    let (won, lost) = if russian {
        ("Успешно реализовано", "Закрыто и не реализовано")
    } else {
        ("Closed won", "Closed lost")
    };
    let row = |id, name: &str, status, order| StageRow { id, name: name.to_owned(), status, order };
    let mut stages: Vec<StageRow> =
        (1..=n).map(|j| row(ext_id(j), names[(j - 1) % names.len()], "in_process", j)).collect();
    let closing = [row(ext_id(n + 1), won, "success", 10_010), row(ext_id(n + 2), lost, "failed", 10_020)];
    if closing_first {
        stages.splice(0..0, closing);
    } else {
        stages.extend(closing);
    }
    edit(&mut stages);
    out.clear();
    out.push('[');
    for (k, StageRow { id, name, status, order }) in stages.iter().enumerate() {
        if k > 0 {
            out.push(',');
        }
        out.push_str(r#"{"stage_ext_id":"#);
        push_json_str(out, id);
        out.push_str(r#","stage_name":"#);
        push_json_str(out, name);
        let _ = write!(out, r#","stage_status":"{status}","stage_order":{order}}}"#);
    }
    out.push(']');
}

/// The client's (and user 12's) `--funnels N`, as `--mutate` (0: none) leaves them.
pub(crate) fn main_funnels(n: usize, mutate: u32) -> Table {
    let mut table = Table::new(FUNNEL_FIELDS);
    table.json.reserve(n * 900);
    table.spans.reserve(n * table.stride());
    let in_process = |i: usize| 1 + (mix(i as u64) % 10) as usize;
    let mutation = (mutate > 0 && n > 0).then(|| Mutation::new(mutate, n, in_process));
    let added = mutation.as_ref().map(|m| m.added);
    let (mut stages, mut name) = (String::new(), String::new());
    for i in (1..=n).chain(added) {
        let m = mutation.as_ref();
        if m.is_some_and(|m| m.removed == Some(i)) {
            continue;
        }
        let russian = i % 2 == 1;
        name.clear();
        let _ = match ((i / 2) % 4, russian) {
            (0, true) => write!(name, "Воронка продаж №{i}"),
            (1, true) => write!(name, "Основная воронка {i}"),
            (2, true) => write!(name, "Ёлки и игрушки — оптовые продажи {i}"),
            (_, true) => write!(name, "Входящие звонки {i}"),
            (0, false) => write!(name, "Sales pipeline {i}"),
            (1, false) => write!(name, "Main funnel {i}"),
            (2, false) => write!(name, "Partner deals, \"VIP\" {i}"),
            (_, false) => write!(name, "Inbound calls {i}"),
        };
        if let Some(m) = m.filter(|m| m.renamed == i) {
            name = m.rename(&name);
        }
        let ext_id = |j: usize| (100 * i + j).to_string();
        match m.filter(|m| m.staged == Some(i)) {
            Some(m) => write_edited_stages(&mut stages, russian, in_process(i), ext_id, false, |rows| {
                m.edit_stages(i, russian, rows);
            }),
            None => write_stages(&mut stages, russian, in_process(i), ext_id, false),
        }
        table.push(&[Datum::Str(Some(&i.to_string())), Datum::Str(Some(&name)), Datum::Json(&stages)]);
    }
    table.finish()
}

/// User 13: seven Latin funnels `B1`..`B7`; `B3` lists its closing stages first, `B7` has `[]`.
pub(crate) fn beta_funnels() -> Table {
    let names = [
        "Beta: retail",
        "Beta: wholesale",
        "Beta: tenders",
        "beta: e-commerce",
        "Beta: service contracts",
        "Beta: partners",
    ];
    let mut table = Table::new(FUNNEL_FIELDS);
    let mut stages = String::new();
    for (k, name) in names.iter().enumerate() {
        let ext_id = format!("B{}", k + 1);
        let in_process = 1 + (mix(1000 + k as u64) % 10) as usize;
        write_stages(&mut stages, false, in_process, |j| format!("{ext_id}-{j}"), k == 2);
        table.push(&[Datum::Str(Some(&ext_id)), Datum::Str(Some(name)), Datum::Json(&stages)]);
    }
    table.push(&[Datum::Str(Some("B7")), Datum::Str(Some("Beta: archive")), Datum::Json("[]")]);
    table.finish()
}

/// User 14: three Cyrillic funnels `V1`, `V2`, `V10` (string order `V1` < `V10` < `V2`); `V10` has `null` stages.
pub(crate) fn vector_funnels() -> Table {
    let mut table = Table::new(FUNNEL_FIELDS);
    let mut stages = String::new();
    write_stages(&mut stages, true, 4, |j| format!("V1-{j}"), false);
    table.push(&[Datum::Str(Some("V1")), Datum::Str(Some("Вектор: розница")), Datum::Json(&stages)]);
    write_stages(&mut stages, true, 10, |j| format!("V2-{j}"), false);
    table.push(&[Datum::Str(Some("V2")), Datum::Str(Some("Вектор: опт")), Datum::Json(&stages)]);
    table.push(&[Datum::Str(Some("V10")), Datum::Str(Some("Вектор: тендеры")), Datum::Json("null")]);
    table.finish()
}

/// Users 12, 13, 14 and 99, then the `extra` clients of `--users` (ids from `FIRST_EXTRA_USER`).
pub(crate) fn customer_users(extra: i64) -> Table {
    let mut table = Table::new(USER_FIELDS);
    let users: [(i64, &str, &str, Option<&str>, i64); 4] = [
        (12, "romashka", "ООО «Ромашка»", Some("Main client: the full data set"), 1001),
        (13, "beta", "Beta Trading", Some("7 funnels"), 1002),
        (14, "vector", "ИП Векторов", Some("3 funnels"), 1002),
        (99, "zeta", "Zeta (no sales funnels)", None, 1003),
    ];
    for (id, login, name, description, customer_id) in users {
        table.push(&[
            Datum::Num(Some(id)),
            Datum::Str(Some(login)),
            Datum::Str(Some(name)),
            Datum::Str(description),
            Datum::Num(Some(customer_id)),
        ]);
    }
    let (mut login, mut name) = (String::new(), String::new());
    for k in 0..extra {
        let id = FIRST_EXTRA_USER + k;
        login.clear();
        let _ = write!(login, "client{id}");
        client_name(&mut name, id);
        let description = (id % 7 != 0).then_some("agency client, 10 funnels");
        // Distinct, above the first users' 1001..=1003, and falling as the id rises.
        let customer_id = 10_000 + extra - k;
        table.push(&[
            Datum::Num(Some(id)),
            Datum::Str(Some(&login)),
            Datum::Str(Some(&name)),
            Datum::Str(description),
            Datum::Num(Some(customer_id)),
        ]);
    }
    table.finish()
}

/// A company name for a `--users` client: Cyrillic for even ids, Latin for odd ones, in several
/// legal forms; the id keeps names apart.
fn client_name(out: &mut String, id: i64) {
    const ROOTS_RU: [&str; 6] = ["Ромашка", "Василёк", "Северный ветер", "Тайга", "Альфа-Строй", "Лотос"];
    const ROOTS_EN: [&str; 6] = ["Northwind", "Blue Harbor", "Acme", "Greenfield", "Silver Oak", "Red Fox"];
    let pick = mix(id as u64) as usize;
    out.clear();
    let _ = if id % 2 == 0 {
        let root = ROOTS_RU[pick % ROOTS_RU.len()];
        match (pick / 8) % 3 {
            0 => write!(out, "ООО «{root}-{id}»"),
            1 => write!(out, "ИП {root} {id}"),
            _ => write!(out, "АО «{root}» №{id}"),
        }
    } else {
        let root = ROOTS_EN[pick % ROOTS_EN.len()];
        match (pick / 8) % 3 {
            0 => write!(out, "{root} {id} LLC"),
            1 => write!(out, "{root} Ltd. #{id}"),
            _ => write!(out, "{root} & Co. {id}"),
        }
    };
}

/// The 10 funnels of `--users` client `user`: ext_ids `"1"`..`"10"` (clients choose them, so they
/// repeat across clients), names varied by client, 1..=10 in-process stages.
pub(crate) fn client_funnels(user: i64) -> Table {
    const KINDS_RU: [&str; 6] =
        ["Воронка продаж", "Входящие звонки", "Повторные продажи", "Тендеры", "Опт", "Заявки с сайта"];
    const KINDS_EN: [&str; 6] = ["Sales pipeline", "Inbound calls", "Renewals", "Tenders", "Wholesale", "Web leads"];
    let mut table = Table::new(FUNNEL_FIELDS);
    let (mut stages, mut name) = (String::new(), String::new());
    for i in 1..=EXTRA_USER_FUNNELS {
        let seed = mix((user as u64) << 8 | i as u64);
        let russian = (user as usize + i) % 2 == 1;
        name.clear();
        let _ = if russian {
            write!(name, "{} {i}", KINDS_RU[seed as usize % KINDS_RU.len()])
        } else {
            write!(name, "{} {i}", KINDS_EN[seed as usize % KINDS_EN.len()])
        };
        let in_process = 1 + ((seed >> 16) % 10) as usize;
        write_stages(&mut stages, russian, in_process, |j| (100 * i + j).to_string(), false);
        table.push(&[Datum::Str(Some(&i.to_string())), Datum::Str(Some(&name)), Datum::Json(&stages)]);
    }
    table.finish()
}
