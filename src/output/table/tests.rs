//! Batched rendering against one-shot rendering: the same rows through [`TableWriter`] in batches
//! (small ones, so that batch boundaries fall inside the data) and through one comfy-table holding
//! every row, as the writer rendered before it batched. Any border, rule or width a batch gets
//! wrong shows as a byte that differs.

use comfy_table::Table;
use proptest::prelude::*;

use super::*;
use crate::cli::Format;

/// A row as test data: what the model would hand the writer.
#[derive(Debug, Clone)]
enum Value {
    Text(String),
    Int(i64),
    Null,
    Stages(Vec<Stage>),
}

fn options(width: Option<u16>, header: bool, color: bool) -> OutputOptions {
    OutputOptions {
        format: Format::Table,
        fields: Vec::new(),
        explode: false,
        header,
        width,
        color,
        terminal: width.is_some(),
        excel: false,
    }
}

fn writer(columns: &[&'static str], rows: &[Vec<Value>], options: &OutputOptions) -> TableWriter<Vec<u8>> {
    let mut writer = TableWriter::new(Vec::new(), columns.to_vec(), options);
    for row in rows {
        let cells: Vec<Cell<'_>> = row
            .iter()
            .map(|value| match value {
                Value::Text(text) => Cell::Text(text),
                Value::Int(n) => Cell::Int(*n),
                Value::Null => Cell::Null,
                Value::Stages(stages) => Cell::Stages(Some(stages)),
            })
            .collect();
        writer.row(&cells);
    }
    writer
}

/// The writer's rows through `batch_rows` at a time.
fn batched(columns: &[&'static str], rows: &[Vec<Value>], options: &OutputOptions, batch_rows: usize) -> String {
    let mut writer = writer(columns, rows, options);
    writer.batch_rows = batch_rows;
    String::from_utf8(writer.finish().unwrap()).unwrap()
}

/// The same rows as one comfy-table of every row, laid out by comfy-table alone.
fn one_shot(columns: &[&'static str], rows: &[Vec<Value>], options: &OutputOptions) -> String {
    let writer = writer(columns, rows, options);
    if writer.cells.rows == 0 {
        return String::new();
    }
    let mut table = new_table(writer.width, writer.color, writer.stage_lists);
    if writer.header {
        table.set_header(header_row(&writer.columns, writer.color));
    }
    let mut cells = writer.cells.iter();
    for _ in 0..writer.cells.rows {
        table.add_row(comfy_row(&writer.columns, writer.color, &mut cells));
    }
    let mut out = Vec::new();
    write_table(&mut out, &table).unwrap();
    String::from_utf8(out).unwrap()
}

/// Batched output equals one-shot output for every batch size from one row to all of them.
fn assert_same(columns: &[&'static str], rows: &[Vec<Value>], options: &OutputOptions) {
    let expected = one_shot(columns, rows, options);
    for batch_rows in 1..=rows.len() + 1 {
        let out = batched(columns, rows, options, batch_rows);
        assert_eq!(
            out, expected,
            "{batch_rows} rows a batch, width {:?}, header {}, colour {}",
            options.width, options.header, options.color
        );
    }
}

fn text(value: &str) -> Value {
    Value::Text(value.to_owned())
}

fn stage(name: &str, status: Option<StageStatus>, order: i64) -> Stage {
    Stage {
        stage_ext_id: Some(order.to_string().into()),
        stage_name: Some(name.into()),
        stage_status: status,
        stage_order: Some(order),
    }
}

const NESTED: [&str; 3] = ["ext_id", "name", "stages"];
const FLAT: [&str; 6] = ["user_id", "ext_id", "name", "stage_name", "stage_status", "stage_order"];

/// Funnels with stage lists (a ruled table): Cyrillic, a long word, names of every length, a
/// funnel without stages, a tab and a newline that become visible escapes.
fn nested_rows() -> Vec<Vec<Value>> {
    let pipeline = |names: &[&str]| {
        let mut stages: Vec<Stage> =
            names.iter().zip(1..).map(|(name, order)| stage(name, Some(StageStatus::InProcess), order)).collect();
        stages.push(stage("Успешно реализовано", Some(StageStatus::Success), 10010));
        stages.push(stage("Закрыто и не реализовано", Some(StageStatus::Failed), 10020));
        Value::Stages(stages)
    };
    vec![
        vec![text("1"), text("Воронка продаж №1"), pipeline(&["Новая заявка", "Квалификация", "Переговоры"])],
        vec![text("10"), text("Main funnel 10"), pipeline(&["New lead", "Qualification"])],
        vec![text("11"), text(&"Оченьдлинноеслово".repeat(4)), pipeline(&["x"])],
        vec![text("12"), Value::Null, Value::Stages(Vec::new())],
        vec![text("13"), text("Tab\there, line\nbreak"), pipeline(&["Demo", "Proposal sent", "Contract review"])],
        vec![text("9999999"), text("a b c d e f g h i j k l m n o p q r s t u v w x y z"), pipeline(&[])],
        vec![text("2"), text("Sales  EU,  north"), pipeline(&["日本語の段階", "emoji 🙂 stage"])],
    ]
}

/// Stage rows (a condensed table): numbers aligned right, statuses coloured, null cells.
fn flat_rows() -> Vec<Vec<Value>> {
    let row = |user: i64, ext_id: &str, name: &str, stage: &str, status: &str, order: Option<i64>| {
        vec![
            Value::Int(user),
            text(ext_id),
            text(name),
            text(stage),
            text(status),
            order.map_or(Value::Null, Value::Int),
        ]
    };
    vec![
        row(12, "1", "Воронка продаж №1", "Новая заявка", "in_process", Some(1)),
        row(12, "1", "Воронка продаж №1", "Успешно реализовано", "success", Some(10010)),
        row(12, "1", "Воронка продаж №1", "Закрыто и не реализовано", "failed", Some(10020)),
        row(-7, "22", "Main funnel 22 with a rather long name", "Qualification", "in_process", Some(2)),
        row(1000, "23", &"w".repeat(45), "Won", "success", None),
        vec![Value::Int(i64::MAX), Value::Null, Value::Null, Value::Null, Value::Null, Value::Int(i64::MIN)],
    ]
}

#[test]
fn batched_tables_off_a_terminal_are_byte_identical_to_one_table() {
    for header in [true, false] {
        for color in [false, true] {
            assert_same(&NESTED, &nested_rows(), &options(None, header, color));
            assert_same(&FLAT, &flat_rows(), &options(None, header, color));
        }
    }
}

#[test]
fn batched_tables_on_narrow_and_wide_terminals_are_byte_identical_to_one_table() {
    // Every width from one that squeezes every column to one that fits everything: each step
    // moves some column across one of the arrangement's thresholds. Header on and off change what
    // the arrangement measures.
    for width in 1..=140 {
        for header in [true, false] {
            assert_same(&NESTED, &nested_rows(), &options(Some(width), header, false));
            assert_same(&FLAT, &flat_rows(), &options(Some(width), header, false));
        }
    }
}

#[test]
fn batched_coloured_tables_on_a_terminal_are_byte_identical_to_one_table() {
    for width in [30, 80] {
        for header in [true, false] {
            let options = options(Some(width), header, true);
            assert_same(&FLAT, &flat_rows(), &options);
            assert_same(&NESTED, &nested_rows(), &options);
        }
    }
    // The colour is there to be kept: bold header, green success, red failed.
    let out = batched(&FLAT, &flat_rows(), &options(Some(80), true, true), 2);
    for code in ["\x1b[1m", "\x1b[38;5;10m", "\x1b[38;5;9m"] {
        assert!(out.contains(code), "{code:?} missing from {out}");
    }
}

#[test]
fn a_batch_boundary_inside_a_ruled_table_draws_the_rule_one_table_draws() {
    let rows = nested_rows();
    let out = batched(&NESTED, &rows[..2], &options(None, true, false), 1);
    let lines: Vec<&str> = out.lines().collect();
    // Top border, header, header rule, 5 stage lines, the rule between the funnels, 4 stage lines,
    // bottom border: no border of a second table anywhere.
    assert_eq!(lines.len(), 1 + 1 + 1 + 5 + 1 + 4 + 1, "{out}");
    assert!(lines[8].starts_with('├') && lines[8].ends_with('┤'), "{out}");
    assert_eq!(lines.iter().filter(|line| line.starts_with('┌')).count(), 1, "{out}");
    assert_eq!(lines.iter().filter(|line| line.starts_with('└')).count(), 1, "{out}");
    // Every line is as wide as every other, across the boundary.
    assert!(lines.iter().all(|line| line.chars().count() == lines[0].chars().count()), "{out}");
}

#[test]
fn a_terminal_table_is_arranged_by_every_line_of_a_split_column_not_only_the_widest() {
    // The widest line of `name` splits at spaces into short pieces, so on its own it would let
    // comfy-table narrow the column; a narrower line that is one long word does not split as well.
    // Widths taken from the widest line alone (or from a table of only the widest lines) come out
    // different here.
    let rows = vec![
        vec![text("1"), text("aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk"), text("x")],
        vec![text("2"), text("averyveryverylongwordthatdoesnotsplit!"), text("y")],
        vec![text("3"), text("short"), text(&"z ".repeat(30))],
    ];
    let columns = ["ext_id", "name", "note"];
    for width in 20..=90 {
        assert_same(&columns, &rows, &options(Some(width), true, false));
    }
    // And the batched table is not simply the widest-line layout: at 40 columns the long word
    // decides the `name` column.
    let only_widest: Vec<Vec<Value>> = vec![rows[0].clone(), rows[2].clone()];
    assert_ne!(
        one_shot(&columns, &rows, &options(Some(40), true, false)).lines().next(),
        one_shot(&columns, &only_widest, &options(Some(40), true, false)).lines().next(),
        "the test needs a line other than the widest to change the layout"
    );
}

#[test]
fn a_line_too_wide_for_a_width_constraint_is_batched_byte_identically_off_a_terminal() {
    // 70 000 columns: more than a comfy-table constraint can pin (content and padding in a u16);
    // comfy-table's own cap of 65 535 splits it. Ruled and condensed.
    let giant = "ж".repeat(70_000);
    let nested = vec![
        vec![text("1"), text(&giant), Value::Stages(vec![stage("a", None, 1), stage("b", None, 2)])],
        vec![text("2"), text("short"), Value::Stages(vec![stage("c", None, 1)])],
        vec![text("3"), text("also short"), Value::Stages(Vec::new())],
    ];
    let flat = vec![
        vec![Value::Int(1), text("1"), text(&giant), text("a"), text("success"), Value::Int(1)],
        vec![Value::Int(2), text("2"), text("short"), text("b"), text("failed"), Value::Null],
    ];
    for header in [true, false] {
        assert_same(&NESTED, &nested, &options(None, header, false));
        assert_same(&FLAT, &flat, &options(None, header, true));
    }
}

#[test]
fn widths_are_measured_as_comfy_table_measures_them() {
    // Cyrillic, CJK (two columns a character), an emoji sequence, combining and zero-width marks:
    // the writer's own measure must agree with comfy-table's, or batches would be pinned wrong.
    let samples = ["Воронка", "日本語", "🙂‍↕️ head", "e\u{301}te", "a\u{200d}b", "tab\\t", "", "x\ny\nlonger line"];
    for sample in samples {
        let mut table = Table::new();
        table.force_no_tty().add_row([sample]);
        assert_eq!(text_width(sample), table.column_max_content_widths()[0], "{sample:?}");
    }
}

#[test]
fn no_rows_render_nothing_at_any_batch_size() {
    for width in [None, Some(80)] {
        assert_eq!(batched(&NESTED, &[], &options(width, true, false), 1), "");
    }
}

/// A word of the test vocabulary: Latin, Cyrillic, wide CJK, emoji, long words, a control that
/// becomes a visible escape, and an empty word (two spaces in a row).
fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("a".to_owned()),
        Just("№1".to_owned()),
        Just("Воронка".to_owned()),
        Just("日本語".to_owned()),
        Just("🙂".to_owned()),
        Just("tab\there".to_owned()),
        "[a-z]{1,12}",
        "[а-я]{1,12}",
        "[a-zа-я]{20,70}",
    ]
}

fn phrase() -> impl Strategy<Value = String> {
    prop::collection::vec(word(), 0..8).prop_map(|words| words.join(" "))
}

fn stages() -> impl Strategy<Value = Vec<Stage>> {
    let status = prop::option::of(prop_oneof![
        Just(StageStatus::InProcess),
        Just(StageStatus::Success),
        Just(StageStatus::Failed)
    ]);
    prop::collection::vec((phrase(), status, 0i64..20), 0..5)
        .prop_map(|stages| stages.into_iter().map(|(name, status, order)| stage(&name, status, order)).collect())
}

fn nested_row() -> impl Strategy<Value = Vec<Value>> {
    ("[0-9]{1,8}", phrase(), stages())
        .prop_map(|(ext_id, name, stages)| vec![Value::Text(ext_id), Value::Text(name), Value::Stages(stages)])
}

fn flat_row() -> impl Strategy<Value = Vec<Value>> {
    let status = prop_oneof![Just("success"), Just("failed"), Just("in_process"), Just("")];
    (any::<i64>(), phrase(), phrase(), status, prop::option::of(any::<i64>())).prop_map(
        |(user, name, stage, status, order)| {
            vec![
                Value::Int(user),
                Value::Text(name.clone()),
                Value::Text(name),
                Value::Text(stage),
                Value::Text(status.to_owned()),
                order.map_or(Value::Null, Value::Int),
            ]
        },
    )
}

// proptest's default of 256 cases a test keeps these at a few seconds in a debug build.
proptest! {
    #[test]
    fn any_nested_table_is_batched_byte_identically(
        rows in prop::collection::vec(nested_row(), 1..8),
        width in prop::option::of(1u16..160),
        header in any::<bool>(),
        color in any::<bool>(),
        batch_rows in 1usize..4,
    ) {
        let options = options(width, header, color);
        prop_assert_eq!(batched(&NESTED, &rows, &options, batch_rows), one_shot(&NESTED, &rows, &options));
    }

    #[test]
    fn any_flat_table_is_batched_byte_identically(
        rows in prop::collection::vec(flat_row(), 1..8),
        width in prop::option::of(1u16..160),
        header in any::<bool>(),
        color in any::<bool>(),
        batch_rows in 1usize..4,
    ) {
        let options = options(width, header, color);
        prop_assert_eq!(batched(&FLAT, &rows, &options, batch_rows), one_shot(&FLAT, &rows, &options));
    }
}
