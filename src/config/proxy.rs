//! Which proxy, if any, an endpoint is reached through — read from the environment the way curl
//! reads it (SPEC §7) — and whether funnels can use it. Settled by `config` like every other
//! environment fact, so the client is handed a finished choice and never reports a setting's error.
//!
//! The variables are captured once ([`ProxyEnv`]); the choice is a pure function of an endpoint and
//! that capture, so it is tested without touching the process environment. ureq would read the
//! environment itself (`ALL_PROXY` before the scheme's own variable, and its own `NO_PROXY` rules),
//! so the client always hands ureq this choice explicitly, `None` included.

use std::net::IpAddr;

use crate::exit;

/// The proxy picked for an endpoint, and the variable it came from (for messages: the value may
/// hold credentials and is never shown).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyChoice {
    pub var: &'static str,
    pub url: String,
}

/// Every variable [`choose`] reads.
const VARIABLES: [&str; 8] =
    ["https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY"];

/// The proxy variables of the environment, as they were when the settings were settled.
#[derive(Debug, Clone, Default)]
pub struct ProxyEnv(Vec<(&'static str, String)>);

impl ProxyEnv {
    /// The process environment's proxy variables.
    pub fn capture() -> ProxyEnv {
        ProxyEnv::from_lookup(&|name| std::env::var(name).ok())
    }

    /// The proxy variables `lookup` gives (tests pass their own).
    pub fn from_lookup(lookup: &dyn Fn(&str) -> Option<String>) -> ProxyEnv {
        ProxyEnv(VARIABLES.into_iter().filter_map(|name| lookup(name).map(|value| (name, value))).collect())
    }

    fn get(&self, name: &str) -> Option<String> {
        self.0.iter().find(|(var, _)| *var == name).map(|(_, value)| value.clone())
    }

    /// The proxy ureq is to use for `endpoint`: `None` for a direct connection. Only HTTP CONNECT
    /// proxies are built in; any other scheme, or a value that is no proxy URL, is a configuration
    /// error (exit 3) naming the variable, never its value (it may hold credentials).
    pub fn proxy_for(&self, endpoint: &str) -> anyhow::Result<Option<ureq::Proxy>> {
        let uri: ureq::http::Uri =
            endpoint.parse().map_err(|_| exit::usage(format!("`{endpoint}` is not a valid endpoint URL")))?;
        let Some(choice) = choose(uri.scheme_str().unwrap_or(""), uri.host().unwrap_or(""), &|name| self.get(name))
        else {
            return Ok(None);
        };
        let scheme = choice.url.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
        if let Some(scheme) = scheme.filter(|s| s != "http" && s != "https") {
            return Err(exit::config(format!(
                "the proxy in {} uses {scheme}://, which funnels does not support; use an http:// proxy",
                choice.var
            )));
        }
        ureq::Proxy::new(&choice.url)
            .map(Some)
            .map_err(|_| exit::config(format!("the proxy in {} is not a valid proxy URL", choice.var)))
    }
}

/// The proxy for an endpoint with `scheme` and `host`, given an environment lookup.
///
/// `https_proxy`/`HTTPS_PROXY` serve https endpoints, `http_proxy`/`HTTP_PROXY` http ones (lower
/// case first, as curl), `all_proxy`/`ALL_PROXY` any endpoint without its own; `no_proxy`/`NO_PROXY`
/// exempts hosts. Empty values count as unset. Loopback hosts get no special treatment.
pub fn choose(scheme: &str, host: &str, env: &dyn Fn(&str) -> Option<String>) -> Option<ProxyChoice> {
    let get = |name: &str| env(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let own: &[&'static str] = match scheme.to_ascii_lowercase().as_str() {
        "https" => &["https_proxy", "HTTPS_PROXY"],
        "http" => &["http_proxy", "HTTP_PROXY"],
        _ => &[],
    };
    let (var, url) = own.iter().chain(&["all_proxy", "ALL_PROXY"]).find_map(|&var| get(var).map(|url| (var, url)))?;
    if let Some(list) = get("no_proxy").or_else(|| get("NO_PROXY")) {
        if bypasses(host, &list) {
            return None;
        }
    }
    Some(ProxyChoice { var, url })
}

/// Whether the `NO_PROXY` list names `host`: `*`; a domain, with or without a leading dot (or `*.`),
/// matching itself and its subdomains; an exact IP, or an IP range in CIDR notation.
pub fn bypasses(host: &str, list: &str) -> bool {
    let host = normalize(host);
    let host_ip: Option<IpAddr> = host.parse().ok();
    list.split([',', ' ', '\t']).map(str::trim).filter(|e| !e.is_empty()).any(|entry| {
        if entry == "*" {
            return true;
        }
        let entry = normalize(entry.trim_start_matches("*.").trim_start_matches('.'));
        if let (Some(ip), Some((net, bits))) = (host_ip, entry.split_once('/')) {
            return in_cidr(ip, net, bits);
        }
        match (host_ip, entry.parse::<IpAddr>()) {
            (Some(ip), Ok(e)) => ip == e,
            (_, Ok(_)) | (Some(_), Err(_)) => false,
            (None, Err(_)) => {
                !entry.is_empty()
                    && (host == entry
                        || (host.len() > entry.len()
                            && host.ends_with(entry.as_str())
                            && host.as_bytes()[host.len() - entry.len() - 1] == b'.'))
            }
        }
    })
}

/// Lower case, without IPv6 brackets, a trailing root dot, or (in list entries) a port.
fn normalize(name: &str) -> String {
    let name = name.trim();
    let name = if let Some(inner) = name.strip_prefix('[') {
        inner.split(']').next().unwrap_or(inner)
    } else if name.matches(':').count() == 1 {
        name.split(':').next().unwrap_or(name)
    } else {
        name
    };
    name.trim_end_matches('.').to_ascii_lowercase()
}

fn in_cidr(ip: IpAddr, net: &str, bits: &str) -> bool {
    let Ok(bits) = bits.parse::<u32>() else {
        return false;
    };
    match (ip, net.parse::<IpAddr>()) {
        (IpAddr::V4(ip), Ok(IpAddr::V4(net))) if bits <= 32 => {
            let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
            u32::from(ip) & mask == u32::from(net) & mask
        }
        (IpAddr::V6(ip), Ok(IpAddr::V6(net))) if bits <= 128 => {
            let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
            u128::from(ip) & mask == u128::from(net) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let vars: Vec<(String, String)> = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        move |name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    fn pick(scheme: &str, host: &str, vars: &[(&str, &str)]) -> Option<(&'static str, String)> {
        choose(scheme, host, &env(vars)).map(|c| (c.var, c.url))
    }

    #[test]
    fn scheme_variable_wins_over_all_proxy() {
        let vars = [("HTTPS_PROXY", "http://s:1"), ("HTTP_PROXY", "http://h:1"), ("ALL_PROXY", "http://a:1")];
        assert_eq!(pick("https", "api.example", &vars), Some(("HTTPS_PROXY", "http://s:1".into())));
        assert_eq!(pick("http", "127.0.0.1", &vars), Some(("HTTP_PROXY", "http://h:1".into())));
        assert_eq!(
            pick("https", "api.example", &[("ALL_PROXY", "http://a:1")]),
            Some(("ALL_PROXY", "http://a:1".into()))
        );
        // An http proxy variable does not serve an https endpoint.
        assert_eq!(pick("https", "api.example", &[("HTTP_PROXY", "http://h:1")]), None);
        assert_eq!(pick("https", "api.example", &[]), None);
    }

    #[test]
    fn lower_case_first_and_empty_is_unset() {
        let vars = [("http_proxy", "http://low:1"), ("HTTP_PROXY", "http://up:1")];
        assert_eq!(pick("http", "localhost", &vars), Some(("http_proxy", "http://low:1".into())));
        let vars = [("https_proxy", " "), ("HTTPS_PROXY", "http://up:1")];
        assert_eq!(pick("https", "x.example", &vars), Some(("HTTPS_PROXY", "http://up:1".into())));
        let vars = [("all_proxy", "http://low:1"), ("ALL_PROXY", "http://up:1")];
        assert_eq!(pick("https", "x.example", &vars), Some(("all_proxy", "http://low:1".into())));
    }

    #[test]
    fn loopback_is_proxied_unless_no_proxy_names_it() {
        let proxy = ("HTTP_PROXY", "http://p:3128");
        assert!(pick("http", "127.0.0.1", &[proxy]).is_some());
        assert!(pick("http", "localhost", &[proxy]).is_some());
        assert!(pick("http", "127.0.0.1", &[proxy, ("NO_PROXY", "localhost,127.0.0.1")]).is_none());
        assert!(pick("http", "::1", &[proxy, ("no_proxy", "::1")]).is_none());
        assert!(pick("http", "[::1]", &[proxy, ("no_proxy", "[::1]")]).is_none());
        assert!(pick("http", "127.0.0.1", &[proxy, ("NO_PROXY", "localhost")]).is_some());
    }

    #[test]
    fn no_proxy_lower_case_first() {
        let vars = [("HTTPS_PROXY", "http://p:1"), ("no_proxy", "other.example"), ("NO_PROXY", "*")];
        assert!(pick("https", "api.example", &vars).is_some());
    }

    #[test]
    fn no_proxy_matching() {
        assert!(bypasses("anything.example", "*"));
        assert!(bypasses("anything.example", "a.b, *"));
        // Domain suffixes, with or without a leading dot, match the domain and its subdomains only.
        for entry in ["comagic.ru", ".comagic.ru", "*.comagic.ru", " COMAGIC.RU "] {
            assert!(bypasses("dataapi.comagic.ru", entry), "{entry}");
            assert!(bypasses("comagic.ru", entry), "{entry}");
            assert!(!bypasses("notcomagic.ru", entry), "{entry}");
            assert!(!bypasses("comagic.ru.evil", entry), "{entry}");
        }
        assert!(bypasses("dataapi.comagic.ru.", "comagic.ru"));
        assert!(bypasses("host", "x.example,host:8080"));
        // IPs match exactly or by CIDR, never by suffix.
        assert!(bypasses("10.1.2.3", "10.1.2.3"));
        assert!(!bypasses("110.1.2.3", "10.1.2.3"));
        assert!(!bypasses("10.1.2.3", "1.2.3"));
        assert!(bypasses("10.1.2.3", "10.0.0.0/8"));
        assert!(!bypasses("11.1.2.3", "10.0.0.0/8"));
        assert!(bypasses("127.0.0.1", "0.0.0.0/0"));
        assert!(bypasses("fd00::1", "fd00::/8"));
        assert!(!bypasses("api.example", "10.0.0.0/8"));
        assert!(!bypasses("api.example", ""));
        assert!(!bypasses("api.example", ",,"));
    }

    #[test]
    fn unsupported_proxies_are_a_configuration_error() {
        let env = |name: &str| (name == "ALL_PROXY").then(|| "socks5://user:secret@proxy:1080".to_owned());
        let err = ProxyEnv::from_lookup(&env).proxy_for("https://dataapi.example/v2.0").unwrap_err();
        assert_eq!(crate::exit::classify(&err).exit, crate::exit::Exit::Config);
        let shown = err.to_string();
        assert!(shown.contains("ALL_PROXY") && !shown.contains("secret"), "{shown}");
    }

    #[test]
    fn the_captured_variables_choose_the_proxy_of_each_endpoint() {
        let env = |name: &str| match name {
            "HTTP_PROXY" => Some("http://proxy.example:3128".to_owned()),
            "NO_PROXY" => Some("example.com,127.0.0.1".to_owned()),
            "FUNNELS_TOKEN" => Some("not a proxy variable".to_owned()),
            _ => None,
        };
        let captured = ProxyEnv::from_lookup(&env);
        assert_eq!(captured.0.len(), 2, "{captured:?}");
        assert!(captured.proxy_for("http://localhost:8089/v2.0").unwrap().is_some());
        assert!(captured.proxy_for("http://127.0.0.1:8089/v2.0").unwrap().is_none());
        assert!(captured.proxy_for("https://dataapi.comagic.ru/v2.0").unwrap().is_none());
        assert!(ProxyEnv::default().proxy_for("http://localhost:8089/v2.0").unwrap().is_none());
    }
}
