//! shiftgate-check (placeholder; being written).
