use clap::Parser;

fn main() {
    let cli = jitgap::cli::Cli::parse();
    std::process::exit(jitgap::app::run(cli));
}
