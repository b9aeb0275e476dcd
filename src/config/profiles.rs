//! What `funnels profiles` reads (SPEC §4): the config file and its profiles, without needing a
//! token or a valid choice of profile.

use std::path::PathBuf;

use etcetera::base_strategy::{BaseStrategy, Xdg};

use super::{
    GlobalArgs, Platform, ProfileChoice, choose_profile, default_endpoint, expand_home, files, knob_ms, load_config,
};

/// What `funnels profiles` shows (SPEC §4): the config file and its profiles, read without
/// needing a token or a valid choice of profile.
#[derive(Debug)]
pub struct ProfilesOverview {
    /// The config file read, or where one would be read from (`None`: no home folder known).
    pub path: Option<PathBuf>,
    /// Whether that file exists and was read.
    pub found: bool,
    /// The profile asked for and why; it may name a profile the file does not define.
    pub chosen: Option<(String, ProfileChoice)>,
    /// The profiles, by name.
    pub profiles: Vec<ProfileSummary>,
}

/// One profile as written, with the platform's defaults filled in.
#[derive(Debug)]
pub struct ProfileSummary {
    pub name: String,
    pub platform: Platform,
    /// The profile's `endpoint`, else its platform's URL.
    pub endpoint: String,
    /// As written (checked only when the profile is used).
    pub user_id: Option<i64>,
    pub token: ProfileToken,
}

/// Where a profile's token comes from (never the token itself).
#[derive(Debug, PartialEq, Eq)]
pub enum ProfileToken {
    /// The profile's `token` key.
    InConfig,
    /// The profile's `token_file` (`~` expanded).
    File(PathBuf),
    /// The session `funnels login` stored for it.
    Session(PathBuf),
    /// None of these: the environment or a flag must give one.
    None,
}

/// Reads the config file for `funnels profiles`. Only a broken file (or a missing one named by
/// `--config`/`FUNNELS_CONFIG`) is an error; no token and no chosen profile never are.
pub fn profiles(args: &GlobalArgs) -> anyhow::Result<ProfilesOverview> {
    let home = Xdg::new().ok();
    let loaded = load_config(args, home.as_ref(), knob_ms("FUNNELS_PIPE_WAIT_MS", files::PIPE_WAIT))?;
    let sessions = home.as_ref().and_then(Xdg::state_dir).map(|d| d.join("funnels"));
    let profiles = loaded
        .file
        .profiles
        .iter()
        .map(|(name, profile)| {
            let platform = profile.platform.unwrap_or(Platform::Comagic);
            let session = sessions.as_ref().map(|d| d.join(format!("{name}.json"))).filter(|p| p.exists());
            let token = match (&profile.token, &profile.token_file, session) {
                (Some(_), _, _) => ProfileToken::InConfig,
                (None, Some(file), _) => ProfileToken::File(expand_home(file, home.as_ref())),
                (None, None, Some(session)) => ProfileToken::Session(session),
                (None, None, None) => ProfileToken::None,
            };
            ProfileSummary {
                name: name.clone(),
                platform,
                endpoint: profile.endpoint.clone().unwrap_or_else(|| default_endpoint(platform).to_owned()),
                user_id: profile.user_id,
                token,
            }
        })
        .collect();
    Ok(ProfilesOverview {
        found: loaded.path.is_some(),
        path: loaded.path.or(loaded.candidate),
        chosen: choose_profile(args, &loaded.file),
        profiles,
    })
}
