//! `funnels show EXT_ID`: one funnel and its stages (SPEC §4).

use anyhow::Context;

use crate::cli::{Format, ShowArgs};
use crate::config::Settings;
use crate::exit::{Exit, Failure, Scope};
use crate::model::{FUNNELS, Funnel};
use crate::output::destination::Destination;
use crate::output::{self, OutputOptions};
use crate::query::{OneFunnel, excel_needs_csv};
use crate::rpc;

pub fn run(settings: &Settings, args: &ShowArgs) -> anyhow::Result<Exit> {
    excel_needs_csv(args.excel, settings.format)?;
    let request = OneFunnel::new(&args.ext_id, settings.user_id);
    let params = request.params();
    if settings.dry_run {
        return super::print_json_text(settings, &rpc::dry_run_body(FUNNELS.method, &params));
    }
    let (mut client, token) = super::connect(settings)?;
    let reply = client
        .call::<_, Vec<Funnel>>(FUNNELS.method, &params)
        .map_err(|e| Scope::acting_for(settings.user_id).session_key(token.source.is_session()).attach(e.into()))?;
    let Some(funnel) = reply.data.into_iter().find(|f| f.ext_id.as_deref() == Some(args.ext_id.as_str())) else {
        // The funnels of another client user are another list: name the user looked in.
        let (of_user, user_flag) = match settings.user_id {
            Some(id) => (format!(" for user {id}"), format!(" --user-id {id}")),
            None => (String::new(), String::new()),
        };
        return Err(Failure::new(Exit::NotFound, format!("no funnel with ext_id `{}`{of_user}", args.ext_id))
            .hint(format!("list the ext_ids with funnels list{user_flag} --fields ext_id,name --all"))
            .into());
    };
    let options = OutputOptions {
        format: settings.format,
        fields: request.fields.clone(),
        explode: true,
        header: true,
        width: settings.width,
        color: settings.color,
        terminal: settings.stdout_tty,
        excel: args.excel,
    };
    let mut dest = Destination::open(settings.out.as_deref())?;
    // Only the table goes through the pager: the other formats are for programs.
    match settings.format {
        Format::Table => output::pager::write_through(settings.pager.as_ref(), &mut dest, |mut w| {
            output::write_show(&funnel, &options, &mut w)
        }),
        Format::Json | Format::Ndjson | Format::Csv | Format::Tsv => output::write_show(&funnel, &options, &mut dest),
    }
    .context("could not write the output")?;
    dest.commit()?;
    Ok(Exit::Success)
}
