//! shiftgate-gen (placeholder; being written).
