//! Reading a unified diff (`git diff` output): the files it touches, their status, and
//! the lines it adds with their new line numbers. Pure.

/// One file in a unified diff.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FileDiff {
    /// Path at the head revision (for deletions, the old path).
    pub path: String,
    pub old_path: Option<String>,
    pub status: FileStatus,
    pub binary: bool,
    /// Lines the change adds: (line number at head, text without the leading `+`).
    pub added: Vec<(u32, String)>,
    pub removed_count: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FileStatus {
    Added,
    #[default]
    Modified,
    Deleted,
    Renamed,
}

pub fn parse_unified_diff(text: &str) -> Vec<FileDiff> {
    let _ = text;
    unimplemented!("parse_unified_diff")
}

/// TODO/FIXME/XXX/HACK comments the diff adds.
pub fn acknowledged_limitations(files: &[FileDiff]) -> Vec<crate::model::Limitation> {
    let _ = files;
    unimplemented!("acknowledged_limitations")
}
