//! funnels: a command-line client for the sales funnels of the CoMagic / UIS / CallGear Data API v2.0.
//!
//! Data flows one way: `cli` (what was typed) → `config` (settled policy) → `query` (API params) →
//! `pager` ⇄ `rpc` (pages over one connection) → `output` (formats). `commands` composes them.

pub mod cli;
pub mod commands;
pub mod complete;
pub mod config;
pub mod credentials;
pub mod docs;
pub mod exit;
pub mod files;
pub mod model;
pub mod output;
pub mod pager;
pub mod progress;
pub mod query;
pub mod redact;
pub mod rpc;
pub mod signals;

pub use commands::run;
