//! `login.user`'s answer: the session key `funnels login` stores (SPEC §4).

use serde::Deserialize;

/// `login.user`'s `result.data`; one CoMagic example spells `expire_at` as `expire`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Session {
    pub access_token: String,
    #[serde(alias = "expire")]
    pub expire_at: Option<i64>,
    #[serde(default)]
    pub app_id: Option<serde_json::Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_accepts_both_spellings() {
        let a: Session = serde_json::from_str(r#"{"access_token":"k","expire_at":5}"#).unwrap();
        let b: Session = serde_json::from_str(r#"{"access_token":"k","expire":5}"#).unwrap();
        assert_eq!(a.expire_at, b.expire_at);
    }
}
