//! `kb export|import --data-dir DIR`: the store is the knowledge base (the
//! shipped base of `--kb` is imported first when the store has none, as the
//! server does on first start).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Result;

use super::{KbArg, read_import, write_base};
use crate::admin::audit;
use crate::config::Config;
use crate::knowledge::Knowledge;
use crate::store::Store;

/// Exports the store's published base to `dest`. The store does not version the topic
/// plan, so the plan of `--kb` goes with it: the export reads as the whole base.
pub fn export(config: Config, arg: &KbArg, data_dir: PathBuf, dest: &Path, out: &mut dyn Write) -> Result<ExitCode> {
    let kb_dir = arg.dir(&config);
    with_knowledge(config, arg, data_dir, async |knowledge, _| {
        let mut base = knowledge.published_base().await?;
        base.topics = crate::kb::read_topics(&kb_dir)?;
        write_base(&base, dest, out)
    })
}

/// Imports `source` into the store as new published versions by `cli` (audited). Entries and
/// word lists only: the topic plan is not versioned in the store.
pub fn import(config: Config, arg: &KbArg, data_dir: PathBuf, source: &Path, out: &mut dyn Write) -> Result<ExitCode> {
    let limits = config.import.clone();
    with_knowledge(config, arg, data_dir, async |knowledge, store| {
        let incoming = read_import(source, &limits, out)?;
        let counts = knowledge.import(incoming, "cli").await?;
        let target = source.display().to_string();
        audit::record_from(store, "cli", "kb.import", &target, serde_json::json!(counts), None).await?;
        writeln!(out, "已导入：新增 {}，修改 {}，未变 {}", counts.added, counts.changed, counts.unchanged)?;
        Ok(ExitCode::SUCCESS)
    })
}

/// Opens the store in `data_dir` (importing the `--kb` base when it has no entry yet), runs
/// `op` on the knowledge service and closes the store whatever `op` returned.
fn with_knowledge(
    mut config: Config,
    arg: &KbArg,
    data_dir: PathBuf,
    op: impl AsyncFnOnce(&Knowledge, &dyn Store) -> Result<ExitCode>,
) -> Result<ExitCode> {
    config.store.data_dir = data_dir;
    config.kb.dir = arg.dir(&config);
    super::super::runtime()?.block_on(async move {
        let store: Arc<dyn Store> = crate::store::open(&config.store).await?;
        Knowledge::import_if_empty(&*store, &config.kb.dir).await?;
        let policy = config.admin.publish_policy;
        let knowledge = Knowledge::from_store(Arc::clone(&store), config.search.clone(), policy).await?;
        let result = op(&knowledge, &*store).await;
        store.close().await;
        result
    })
}
