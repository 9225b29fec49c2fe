fn main() -> std::process::ExitCode {
    ritc::cli::main()
}
