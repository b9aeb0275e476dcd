//! Typed shapes of what the Data API sends back (API.md §3, §4, §6), one file per record type.
//!
//! Pages are deserialized straight into these structs: a 10 000-funnel page parsed into
//! `serde_json::Value` would cost many times its size. Every field is optional because `fields` may
//! leave any of them out and the API sends `null` for empty values.
//!
//! Each record type has one home holding everything that knows its field names — struct, schema,
//! cells, key: `funnel.rs` (and the `--all-users` record), `user.rs`. `record.rs` says what a record
//! type provides to `query` (its [`Schema`]), `output` ([`Record`]) and `pager` ([`Keyed`]);
//! `metadata.rs` reads what comes with the data (totals, point windows, server numbers);
//! `session.rs` is `login.user`'s answer; `change.rs` is the record `diff` prints. The model imports
//! nothing of the crate above it.

mod change;
mod funnel;
mod metadata;
mod record;
mod session;
mod user;

pub use change::{Change, ChangeKind};
pub use funnel::{
    FUNNEL_NAME, FUNNELS, Funnel, STAGE_COLUMNS, STAGE_EXT_ID, STAGE_ORDER, STAGE_STATUS, STAGES_FIELD, Stage,
    StageStatus, UserFunnel, for_each_stage_in_order,
};
pub use metadata::{
    ApiVersion, Limits, MAX_SERVER_NUMBER, Metadata, Reading, Window, WindowType, server_number,
    server_number_from_text, server_reading,
};
pub use record::{Cell, FieldSpec, Keyed, Kind, Order, Record, Schema, SortKey, unknown_field};
pub use session::Session;
pub use user::{CustomerUser, USERS};

/// Server text of funnels and stages: strings of up to 24 bytes (most ext_ids and stage names,
/// Cyrillic ones too) live inline, so a 10 000-funnel page is not ~180 000 separate allocations.
pub type Text = compact_str::CompactString;

#[cfg(test)]
mod tests {
    use super::*;

    /// Every name in `fields` gives a cell other than null for a record with every field set.
    fn every_field_has_its_cell<R: Record>(record: &R, fields: impl IntoIterator<Item = &'static str>) -> usize {
        let mut checked = 0;
        for field in fields {
            assert_ne!(record.cell(field), Cell::Null, "no cell for `{field}`");
            checked += 1;
        }
        checked
    }

    fn full_funnel() -> Funnel {
        let stage = Stage {
            stage_ext_id: Some("s1".into()),
            stage_name: Some("Новая".into()),
            stage_status: Some(StageStatus::InProcess),
            stage_order: Some(1),
        };
        Funnel { ext_id: Some("1".into()), name: Some("Основная".into()), stages: Some(vec![stage]) }
    }

    #[test]
    fn every_schema_field_of_every_record_type_has_its_cell() {
        assert_eq!(every_field_has_its_cell(&full_funnel(), FUNNELS.names()), 3);
        let user = CustomerUser {
            id: Some(7),
            login: Some("agent-7".into()),
            name: Some("Client".into()),
            description: Some("desc".into()),
            customer_id: Some(70),
        };
        assert_eq!(every_field_has_its_cell(&user, USERS.names()), 5);
        let user_funnel = UserFunnel { user_id: 7, funnel: full_funnel() };
        let fields = std::iter::once(UserFunnel::USER_ID).chain(FUNNELS.names());
        assert_eq!(every_field_has_its_cell(&user_funnel, fields), 4);
        // A stage's cells follow its columns, none left out.
        let stages = full_funnel().stages.unwrap();
        assert!(stages[0].cells().iter().all(|cell| *cell != Cell::Null));
        assert_eq!(stages[0].cells().len(), STAGE_COLUMNS.len());
    }

    #[test]
    fn the_key_of_each_record_type_is_its_schemas_key_field() {
        let funnel = full_funnel();
        assert_eq!(funnel.cell(FUNNELS.key), Cell::Text(funnel.key().unwrap()));
        let user = CustomerUser { id: Some(7), ..CustomerUser::default() };
        assert_eq!(user.cell(USERS.key), Cell::Int(user.key().unwrap()));
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "no field `nmae` in this record type")]
    fn an_unknown_field_name_is_a_bug_not_an_empty_column() {
        let _ = full_funnel().cell("nmae");
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "no field `ext_id` in this record type")]
    fn a_user_has_no_funnel_fields() {
        let _ = CustomerUser::default().cell("ext_id");
    }
}
