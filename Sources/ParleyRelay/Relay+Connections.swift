import ParleyCore
import ParleyCurl

extension ParleyConfig.ServerSettings {
    /// The libcurl options for this server.
    var options: ServerOptions {
        ServerOptions(url: url, username: username, password: password, oauth2Token: currentOAuth2Token,
                      tls: ServerOptions.TLSMode(rawValue: starttls) ?? .required, caFile: caFile,
                      connectTimeoutSeconds: min(15, timeoutSeconds), responseTimeoutSeconds: timeoutSeconds)
    }
}

extension Relay {
    /// A new IMAP client for a mailbox (one connection, reused for its whole life).
    public func imapClient(for mailbox: ParleyConfig.Mailbox) throws(MailError) -> CurlIMAPClient {
        try CurlIMAPClient(options: mailbox.server.options)
    }

    /// A new SMTP transport (one connection, reused).
    public func smtpTransport() throws(MailError) -> CurlSMTPTransport {
        try CurlSMTPTransport(options: config.smtp.server.options, ehloName: config.smtp.ehloName)
    }

    /// One ingest pass over each mailbox (or the one named).
    public func pollOnce(mailbox name: String? = nil, progress: @escaping (String, Int, Int) -> Void = { _, _, _ in }) throws -> [String: PassSummary] {
        var result: [String: PassSummary] = [:]
        for box in config.mailboxes where name == nil || box.name == name {
            let client = try imapClient(for: box)
            let ingestor = Ingestor(relay: self, mailbox: box, client: client)
            result[box.name] = try ingestor.pass { done, total in progress(box.name, done, total) }
        }
        if let name, result.isEmpty { throw AdminError("no mailbox named \(name) in the config") }
        // The pass committed its comments: now the static views and the webhook.
        try publishPending()
        return result
    }

    /// Sends everything due in the outbox. Pending static views and webhook deliveries
    /// go first (they are due as soon as their change is committed), so the daemon's
    /// outbox loop also carries the publish stage. `connection` carries the backoff
    /// after broken connections from one flush to the next (the daemon keeps one).
    public func flushOutbox(connection: ConnectionRetry = ConnectionRetry()) throws -> FlushSummary {
        try publishPending()
        let transport = try smtpTransport()
        return try OutboxSender(relay: self, transport: transport, connection: connection).flush()
    }
}
