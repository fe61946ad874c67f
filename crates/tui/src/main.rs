fn main() -> std::process::ExitCode {
    vtcode_tui::cli::main()
}
