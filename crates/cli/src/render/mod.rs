//! Rendering reports for people (`human`) and machines (`json`).

pub(crate) mod human;
pub(crate) mod json;
