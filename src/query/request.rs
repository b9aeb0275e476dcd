//! A query as the program runs on it: built once from the command line's [`QueryArgs`] (every
//! option checked against the schema and SPEC §3, exit 2 before any request), then handing out the
//! `params` of each request — a page, a count, `show`'s one funnel, `check`'s one record — so that no
//! command spells [`GetParams`] by hand.

use std::time::Duration;

use serde::Serialize;
use serde_json::json;

use super::{Filter, parse_fields, parse_filter_json, parse_filters, parse_sort};
use crate::cli::{Format, QueryArgs};
use crate::exit::usage;
use crate::files;
use crate::model::{FUNNELS, Schema, SortKey};
use crate::pager::{MAX_OFFSET, MAX_PAGE, Plan, Want};

/// What a query needs to know of the settled settings (`config` builds it).
#[derive(Debug, Clone, Copy)]
pub struct Context {
    pub format: Format,
    /// `page_size` of the config file or profile.
    pub page_size: Option<u64>,
    /// `--token-stdin`: standard input is taken.
    pub stdin_taken: bool,
    /// How long to wait for a pipe that says nothing.
    pub pipe_wait: Duration,
}

/// `params` of a get method, in the order the API documents them.
#[derive(Debug, Serialize)]
pub struct GetParams<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<u64>,
    pub limit: u64,
    pub offset: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filter: Option<&'a Filter>,
    pub fields: &'a [&'static str],
    #[serde(skip_serializing_if = "<[SortKey]>::is_empty")]
    pub sort: &'a [SortKey],
}

impl GetParams<'static> {
    /// One record of `schema`'s key field only (`check`'s probes).
    pub fn one_key(schema: &'static Schema, user_id: Option<u64>) -> GetParams<'static> {
        GetParams { user_id, limit: 1, offset: 0, filter: None, fields: std::slice::from_ref(&schema.key), sort: &[] }
    }
}

/// `--excel` shapes csv for spreadsheets; with any other format it would silently do nothing, so it
/// is a usage error (SPEC §5).
pub fn excel_needs_csv(excel: bool, format: Format) -> anyhow::Result<()> {
    if excel && format != Format::Csv {
        return Err(usage("--excel makes a csv file for spreadsheets; it works with -o csv only"));
    }
    Ok(())
}

/// A listing query, validated before any request is made.
#[derive(Debug)]
pub struct Query {
    pub schema: &'static Schema,
    pub filter: Option<Filter>,
    pub sort: Vec<SortKey>,
    /// Fields to print, in order.
    pub fields: Vec<&'static str>,
    /// Fields to request: the printed ones plus the key that de-duplication needs.
    pub request_fields: Vec<&'static str>,
    pub plan: Plan,
    pub count: bool,
    pub stream: bool,
    pub header: bool,
    /// `--excel`: csv for spreadsheets.
    pub excel: bool,
}

impl Query {
    /// Checks every query option against `schema` and SPEC §3 (exit 2 on any violation).
    pub fn from_args(args: &QueryArgs, schema: &'static Schema, context: &Context) -> anyhow::Result<Query> {
        let filter = match &args.filter_json {
            Some(arg) => {
                if arg == "-" && context.stdin_taken {
                    return Err(usage("--filter-json - and --token-stdin both want standard input"));
                }
                Some(parse_filter_json(arg, |path| match path {
                    None => files::read_stdin(context.pipe_wait),
                    Some(path) => files::read_file(path, context.pipe_wait).map(|contents| contents.text),
                })?)
            }
            None => parse_filters(&args.filter, args.any, schema)?.map(Filter::Built),
        };
        let sort = parse_sort(&args.sort, schema)?;
        let fields = parse_fields(args.fields.as_deref(), schema)?;
        if args.limit == Some(0) {
            return Err(usage("--limit must be at least 1"));
        }
        let page_size = args.page_size.or(context.page_size).unwrap_or(MAX_PAGE);
        if !(1..=MAX_PAGE).contains(&page_size) {
            return Err(usage(format!("--page-size must be 1..={MAX_PAGE}, not {page_size}")));
        }
        let offset = args.offset.unwrap_or(0);
        if offset > MAX_OFFSET {
            return Err(usage(format!("--offset must be 0..={MAX_OFFSET}, not {offset} (the API's limit)")));
        }
        if args.stream && !matches!(context.format, Format::Ndjson | Format::Csv | Format::Tsv) {
            return Err(usage("--stream works with -o ndjson, csv or tsv, not with table or json"));
        }
        excel_needs_csv(args.excel, context.format)?;
        let want = match (args.all, args.limit) {
            (true, _) => Want::All,
            (false, Some(n)) => Want::Limit(n),
            (false, None) => Want::FirstPage,
        };
        let mut query = Query::ids_only(schema, context.page_size);
        query.filter = filter;
        query.sort = sort;
        query.request_fields.clone_from(&fields);
        if !query.request_fields.contains(&schema.key) {
            query.request_fields.insert(0, schema.key);
        }
        query.fields = fields;
        query.plan = Plan { offset, want, page_size, noun: schema.noun };
        query.count = args.count;
        query.stream = args.stream;
        query.header = !args.no_header;
        query.excel = args.excel;
        Ok(query)
    }

    /// Every record's key and nothing else, in the default order, all pages of `page_size` (the
    /// setting; the API's largest by default): the user list of `list --all-users`.
    pub fn ids_only(schema: &'static Schema, page_size: Option<u64>) -> Query {
        Query {
            schema,
            filter: None,
            sort: schema.default_sort.to_vec(),
            fields: vec![schema.key],
            request_fields: vec![schema.key],
            plan: Plan { offset: 0, want: Want::All, page_size: page_size.unwrap_or(MAX_PAGE), noun: schema.noun },
            count: false,
            stream: false,
            header: true,
            excel: false,
        }
    }

    /// The params of one page request.
    pub fn page_params(&self, user_id: Option<u64>, offset: u64, limit: u64) -> GetParams<'_> {
        GetParams {
            user_id,
            limit,
            offset,
            filter: self.filter.as_ref(),
            fields: &self.request_fields,
            sort: &self.sort,
        }
    }

    /// `--count` asks for one record of the key field only.
    pub fn count_params(&self, user_id: Option<u64>) -> GetParams<'_> {
        GetParams {
            user_id,
            limit: 1,
            offset: self.plan.offset,
            filter: self.filter.as_ref(),
            fields: std::slice::from_ref(&self.schema.key),
            sort: &[],
        }
    }

    /// The params of the first request a run makes (what `--dry-run` prints).
    pub fn first_params(&self, user_id: Option<u64>) -> GetParams<'_> {
        if self.count {
            self.count_params(user_id)
        } else {
            self.page_params(user_id, self.plan.offset, self.plan.next_limit(0))
        }
    }
}

/// `show EXT_ID`: the one funnel with that `ext_id`, all its fields.
#[derive(Debug)]
pub struct OneFunnel {
    filter: Filter,
    /// Every field of a funnel, in schema order: what is asked for and printed.
    pub fields: Vec<&'static str>,
    user_id: Option<u64>,
}

impl OneFunnel {
    pub fn new(ext_id: &str, user_id: Option<u64>) -> OneFunnel {
        OneFunnel {
            filter: Filter::Built(json!({"field": FUNNELS.key, "operator": "=", "value": ext_id})),
            fields: FUNNELS.fields.iter().map(|f| f.name).collect(),
            user_id,
        }
    }

    pub fn params(&self) -> GetParams<'_> {
        GetParams {
            user_id: self.user_id,
            limit: 1,
            offset: 0,
            filter: Some(&self.filter),
            fields: &self.fields,
            sort: &[],
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use clap::Parser;
    use serde_json::{Value, json};

    use super::*;
    use crate::cli::{Cli, Command};
    use crate::model::USERS;

    fn context(format: Format, page_size: Option<u64>) -> Context {
        Context { format, page_size, stdin_taken: false, pipe_wait: Duration::from_millis(10) }
    }

    /// The query `funnels <words>` builds for `users` or `list`.
    fn query(words: &[&str], context: &Context) -> anyhow::Result<Query> {
        let cli = Cli::try_parse_from(std::iter::once("funnels").chain(words.iter().copied())).unwrap();
        match &cli.command {
            Command::Users(args) => Query::from_args(&args.query, &USERS, context),
            Command::List(args) => Query::from_args(&args.query, &FUNNELS, context),
            _ => unreachable!("a listing command"),
        }
    }

    fn json_of(params: &GetParams<'_>) -> Value {
        serde_json::to_value(params).unwrap()
    }

    #[test]
    fn the_ids_only_query_asks_what_users_fields_id_all_asks() {
        let context = context(Format::Table, Some(500));
        let typed = query(&["users", "--fields", "id", "--all"], &context).unwrap();
        let built = Query::ids_only(&USERS, Some(500));
        assert_eq!(json_of(&built.first_params(None)), json_of(&typed.first_params(None)));
        assert_eq!(json_of(&built.page_params(None, 500, 500)), json_of(&typed.page_params(None, 500, 500)));
        assert_eq!(built.plan.want, Want::All);
        assert_eq!(
            json_of(&built.first_params(None)),
            json!({"limit": 500, "offset": 0, "fields": ["id"],
                   "sort": [{"field": "customer_id", "order": "asc"}, {"field": "name", "order": "asc"}]})
        );
    }

    #[test]
    fn a_page_asks_for_the_key_besides_the_printed_fields() {
        let q = query(&["list", "--fields", "name", "--sort", "name", "--limit", "3"], &context(Format::Table, None))
            .unwrap();
        assert_eq!(
            json_of(&q.page_params(Some(7), 0, 3)),
            json!({"user_id": 7, "limit": 3, "offset": 0, "fields": ["ext_id", "name"],
                   "sort": [{"field": "name", "order": "asc"}]})
        );
        assert_eq!(q.fields, ["name"], "the key is asked for, not printed");
    }

    #[test]
    fn a_count_asks_for_one_key_from_the_offset_without_sort() {
        let q = query(&["list", "--count", "--offset", "20", "--sort", "name"], &context(Format::Table, None)).unwrap();
        assert_eq!(json_of(&q.first_params(None)), json!({"limit": 1, "offset": 20, "fields": ["ext_id"]}));
    }

    #[test]
    fn show_asks_for_every_field_of_the_one_funnel() {
        let one = OneFunnel::new("f-1", None);
        let params = json_of(&one.params());
        assert_eq!(params["filter"], json!({"field": "ext_id", "operator": "=", "value": "f-1"}));
        assert_eq!(params["limit"], 1);
        assert_eq!(params["fields"].as_array().unwrap().len(), FUNNELS.fields.len());
    }

    #[test]
    fn a_probe_asks_for_one_record_of_the_key() {
        assert_eq!(
            json_of(&GetParams::one_key(&USERS, Some(3))),
            json!({"user_id": 3, "limit": 1, "offset": 0, "fields": ["id"]})
        );
    }

    #[test]
    fn stream_and_excel_are_refused_with_formats_that_would_ignore_them() {
        let table = context(Format::Table, None);
        let err = query(&["list", "--stream"], &table).unwrap_err();
        assert!(err.to_string().contains("--stream works with"), "{err}");
        let err = query(&["list", "--excel"], &table).unwrap_err();
        assert!(err.to_string().contains("--excel"), "{err}");
        assert!(query(&["list", "--stream", "--excel"], &context(Format::Csv, None)).is_ok());
    }
}
