@main
enum Main {
    static func main() async throws {}
}
