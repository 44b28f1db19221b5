//! [`DataType`]: the kind of data a packet carries (`DataPacket.data_type`), by its wire name.

/// The kind of data a packet carries (`DataPacket.data_type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DataType {
    /// Traces, grouped by trace id (config section `trace`).
    Tracing,
    /// Logs, grouped by a dimension such as the service (config section `logging`).
    Logging,
    /// RUM data, grouped by a dimension such as the session (config section `rum`).
    Rum,
}

impl DataType {
    /// All data types, in config order.
    pub const ALL: [DataType; 3] = [DataType::Tracing, DataType::Logging, DataType::Rum];

    /// The wire name: `tracing`, `logging` or `rum`.
    pub fn as_str(self) -> &'static str {
        match self {
            DataType::Tracing => "tracing",
            DataType::Logging => "logging",
            DataType::Rum => "rum",
        }
    }

    /// Parses a wire name (`tracing`, `logging`, `rum`); anything else is `None`.
    pub fn from_wire(s: &str) -> Option<Self> {
        match s {
            "tracing" => Some(DataType::Tracing),
            "logging" => Some(DataType::Logging),
            "rum" => Some(DataType::Rum),
            _ => None,
        }
    }

    /// A dense index (0, 1, 2) for per-type arrays.
    pub fn index(self) -> usize {
        self as usize
    }
}
