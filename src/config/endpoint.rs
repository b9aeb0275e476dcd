//! The endpoint rule (SPEC §2): `https://` only, `http://` for loopback hosts; each platform's URL;
//! the platform an endpoint's host names; and the credentials a URL may carry, registered as secrets.

use std::net::IpAddr;

use crate::cli::Platform;

/// Credentials inside the endpoint URL (`https://user:pass@host/…`) are secrets like the token: the
/// URL itself is shown with `***@` wherever it is printed, and registering them hides them too where
/// a server echoes them on their own.
pub(super) fn register_url_credentials(url: &str) {
    let Some((_, rest)) = url.split_once("://") else { return };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if let Some((userinfo, _host)) = authority.rsplit_once('@') {
        crate::redact::register(userinfo);
        if let Some((user, password)) = userinfo.split_once(':') {
            crate::redact::register(user);
            crate::redact::register(password);
        }
    }
}

/// The API host of each platform (API.md §1).
pub fn default_endpoint(platform: Platform) -> &'static str {
    match platform {
        Platform::Comagic => "https://dataapi.comagic.ru/v2.0",
        Platform::Uis => "https://dataapi.uiscom.ru/v2.0",
        Platform::Callgear => "https://dataapi.callgear.com/v2.0",
    }
}

/// The endpoint rule: `https://` only; `http://` only for loopback hosts.
pub fn check_endpoint(url: &str) -> Result<String, String> {
    let uri: ureq::http::Uri = url.parse().map_err(|_| format!("endpoint `{url}` is not a valid URL"))?;
    let host = uri.host().ok_or_else(|| format!("endpoint `{url}` has no host"))?;
    match uri.scheme_str() {
        Some("https") => Ok(url.to_owned()),
        Some("http") if is_loopback(host) => Ok(url.to_owned()),
        Some("http") => Err(format!(
            "endpoint `{url}` uses http:// to a remote host; use https:// (http is allowed only for localhost)"
        )),
        _ => Err(format!("endpoint `{url}` must start with https://")),
    }
}

/// The vendor whose API host `endpoint` names (API.md §1), whatever its scheme, port or path.
pub(super) fn host_platform(endpoint: &str) -> Option<Platform> {
    let uri: ureq::http::Uri = endpoint.parse().ok()?;
    // Host names are case-insensitive, and a trailing dot names the same host.
    let host = uri.host()?.trim_end_matches('.');
    [Platform::Comagic, Platform::Uis, Platform::Callgear].into_iter().find(|&platform| {
        default_endpoint(platform)
            .parse::<ureq::http::Uri>()
            .ok()
            .and_then(|vendor| vendor.host().map(|vendor| vendor.eq_ignore_ascii_case(host)))
            .unwrap_or(false)
    })
}

pub(super) fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost") || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}
