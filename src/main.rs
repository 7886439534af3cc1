fn main() {
    let registry = jitgap::scan::Registry::builtin();
    std::process::exit(jitgap::app::main_with(&registry, std::env::args_os()));
}
