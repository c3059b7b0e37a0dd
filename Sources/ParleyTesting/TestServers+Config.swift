extension TestServers {
    /// The config file of one throw-away Parley installation on these servers: its own
    /// IMAP user, address domain and folder `dir` (SQLite file, published views).
    /// Shared by the test harness and the benchmarks.
    public func installationConfig(user: String, domain: String, dir: String, moderation: String = "none",
                                   password: String = "secret", pollInterval: String = "60s", idle: Bool = true,
                                   maxMessageSize: String = "25MB") -> String {
        """
        [site]
        name = "one2one"
        base_url = "https://talk.example.org"
        secret = "test-secret-\(user)-0123456789"
        moderation = "\(moderation)"

        [database]
        path = "\(dir)/parley.sqlite"

        [smtp]
        url = "smtp://127.0.0.1:\(smtpPort)"
        starttls = "never"
        from = "one2one <talk@\(domain)>"

        [[mailbox]]
        name = "talk"
        url = "imap://127.0.0.1:\(imapPort)/INBOX"
        starttls = "never"
        username = "\(user)"
        password = "\(password)"
        poll_interval = "\(pollInterval)"
        idle = \(idle)
        reply_address = "talk+{token}@\(domain)"
        processed_folder = "Parley/Processed"
        rejected_folder = "Parley/Rejected"
        max_message_size = "\(maxMessageSize)"

        [publish]
        templates_dir = "\(TestServers.repoRoot)/templates"
        output_dir = "\(dir)/public"
        """
    }
}
