enum MailBench {
    static func run(_ args: [String]) {
        print("mail benchmark: not written yet")
    }
}
