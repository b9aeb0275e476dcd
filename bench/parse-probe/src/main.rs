//! Times serde_json on one saved `get.sales_funnel` page (argument: the file) in the ways funnels
//! could parse it: validate only, typed with owned `String`s (what `src/model.rs` does), typed with
//! borrowed strings, raw elements, and `serde_json::Value`. Best of N, per page.

use serde::Deserialize;
use serde::de::IgnoredAny;
use std::borrow::Cow;
use std::time::Instant;

#[derive(Deserialize)]
struct Env<T> { result: Res<T> }
#[derive(Deserialize)]
struct Res<T> { data: T }

#[derive(Deserialize)]
#[allow(dead_code)]
struct Stage { stage_ext_id: Option<String>, stage_name: Option<String>, stage_status: Option<Status>, stage_order: Option<i64> }
#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum Status { InProcess, Success, Failed }
#[derive(Deserialize)]
#[allow(dead_code)]
struct Funnel { ext_id: Option<String>, name: Option<String>, stages: Option<Vec<Stage>> }

#[derive(Deserialize)]
#[allow(dead_code)]
struct BStage<'a> { #[serde(borrow)] stage_ext_id: Option<Cow<'a, str>>, #[serde(borrow)] stage_name: Option<Cow<'a, str>>, stage_status: Option<Status>, stage_order: Option<i64> }
#[derive(Deserialize)]
#[allow(dead_code)]
struct BFunnel<'a> { #[serde(borrow)] ext_id: Option<Cow<'a, str>>, #[serde(borrow)] name: Option<Cow<'a, str>>, #[serde(borrow)] stages: Option<Vec<BStage<'a>>> }

#[derive(Deserialize)]
#[allow(dead_code)]
struct SStage<'a> { #[serde(borrow, deserialize_with = "cow")] stage_ext_id: Option<Cow<'a, str>>, #[serde(borrow, deserialize_with = "cow")] stage_name: Option<Cow<'a, str>>, stage_status: Option<Status>, stage_order: Option<i64> }
#[derive(Deserialize)]
#[allow(dead_code)]
struct SFunnel<'a> { #[serde(borrow, deserialize_with = "cow")] ext_id: Option<Cow<'a, str>>, #[serde(borrow, deserialize_with = "cow")] name: Option<Cow<'a, str>>, #[serde(borrow)] stages: Option<Vec<SStage<'a>>> }

fn time<R>(label: &str, n: usize, mut f: impl FnMut() -> R) {
    let mut best = f64::MAX;
    for _ in 0..n { let t = Instant::now(); let r = f(); drop(r); best = best.min(t.elapsed().as_secs_f64()); }
    println!("{label:<52} {:7.2} ms/page (best of {n})", best * 1e3);
}

fn main() {
    let body = std::fs::read(std::env::args().nth(1).unwrap()).unwrap();
    println!("page: {} bytes", body.len());
    time("serde_json IgnoredAny (validate only)", 15, || serde_json::from_slice::<IgnoredAny>(&body).unwrap());
    time("typed, owned String (as model.rs) incl. drop", 15, || serde_json::from_slice::<Env<Vec<Funnel>>>(&body).unwrap());
    time("typed, Cow<str> with plain #[serde(borrow)] incl. drop", 15, || serde_json::from_slice::<Env<Vec<BFunnel>>>(&body).unwrap());
    time("typed, Cow<str> via a borrowing visitor, incl. drop", 15, || serde_json::from_slice::<Env<Vec<SFunnel>>>(&body).unwrap());
    time("Vec<&RawValue> (split data[] without typing)", 15, || serde_json::from_slice::<Env<Vec<&serde_json::value::RawValue>>>(&body).unwrap().result.data.len());
    time("serde_json::Value (what STYLE.md warns about)", 5, || serde_json::from_slice::<serde_json::Value>(&body).unwrap());
    let mut best_drop = f64::MAX; let mut best_parse = f64::MAX;
    for _ in 0..15 {
        let t = Instant::now(); let v = serde_json::from_slice::<Env<Vec<Funnel>>>(&body).unwrap(); best_parse = best_parse.min(t.elapsed().as_secs_f64());
        let t = Instant::now(); drop(v); best_drop = best_drop.min(t.elapsed().as_secs_f64());
    }
    println!("{:<52} {:7.2} ms/page", "  of which parse (owned)", best_parse * 1e3);
    println!("{:<52} {:7.2} ms/page", "  of which drop (owned: ~18 frees per funnel)", best_drop * 1e3);
}

fn cow<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Cow<'de, str>>, D::Error> {
    struct V;
    impl<'de> serde::de::Visitor<'de> for V {
        type Value = Option<Cow<'de, str>>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result { f.write_str("string or null") }
        fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> { Ok(Some(Cow::Borrowed(v))) }
        fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> { Ok(Some(Cow::Owned(v.to_owned()))) }
        fn visit_unit<E>(self) -> Result<Self::Value, E> { Ok(None) }
        fn visit_none<E>(self) -> Result<Self::Value, E> { Ok(None) }
    }
    d.deserialize_any(V)
}
