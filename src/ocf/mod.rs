//! Placeholder until the agent branch lands (replaced by the merge).
pub fn run(_action: Option<String>) -> i32 {
    eprintln!("ocf: not built yet");
    3
}
