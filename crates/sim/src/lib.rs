//! shiftgate-sim (placeholder; being written).
