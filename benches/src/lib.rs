//! shiftgate-benches
