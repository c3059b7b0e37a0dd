import ParleyCore
import Testing
@testable import ParleyCurl

@Suite("IMAP folder names: the config's `/` names mapped to each server's")
struct IMAPFolderNamesTests {
    /// (NAMESPACE line, name in the config, the server's name). The lines are what
    /// Dovecot (stock and tuned), Cyrus, Courier and Gmail answer.
    static let mappings: [(String, String, String)] = [
        ("* NAMESPACE ((\"\" \".\")) NIL NIL", "Parley/Processed", "Parley.Processed"),
        ("* NAMESPACE ((\"\" \"/\")) NIL NIL", "Parley/Processed", "Parley/Processed"),
        ("* NAMESPACE ((\"INBOX.\" \".\")) NIL NIL", "Parley/Processed", "INBOX.Parley.Processed"),
        ("* NAMESPACE ((\"INBOX.\" \".\")) ((\"user.\" \".\")) ((\"\" \".\"))", "INBOX/Archive", "INBOX.Archive"),
        ("* NAMESPACE ((\"INBOX.\" \".\")) NIL NIL", "inbox", "INBOX"),
        ("* NAMESPACE ((\"\" \"/\")) NIL NIL", "[Gmail]/Parley", "[Gmail]/Parley"),
        ("* NAMESPACE ((\"\" \".\")) NIL NIL", "/Parley//Processed/", "Parley.Processed"),
        ("* NAMESPACE ((\"\" \".\")) NIL NIL", "Parley/Erledigt & Gelöscht", "Parley.Erledigt &- Gel&APY-scht"),
        ("* NAMESPACE ((\"\" \"/\")) NIL NIL", "日本語", "&ZeVnLIqe-"),
    ]

    @Test("a name written with / becomes the server's name", arguments: mappings)
    func maps(line: String, config: String, server: String) throws {
        let personal = try #require(IMAPFolderNames.personalNamespace(line))
        let names = IMAPFolderNames(delimiter: personal.delimiter, personalPrefix: personal.prefix)
        #expect(try names.serverName(for: config) == server)
    }

    @Test("a level holding the server's delimiter is a clear error, not a folder somewhere else")
    func delimiterInName() {
        let names = IMAPFolderNames(delimiter: ".", personalPrefix: "")
        #expect {
            try names.serverName(for: "Parley/v1.2")
        } throws: { error in
            let message = (error as? MailError)?.message ?? ""
            return message.contains("\".\"") && message.contains("v1.2")
        }
        #expect(throws: MailError.self) { try IMAPFolderNames(delimiter: nil, personalPrefix: "").serverName(for: "A/B") }
        #expect(throws: MailError.self) { try names.serverName(for: "//") }
    }

    @Test("LIST lines: attributes, delimiter (NIL for a flat server), name")
    func listLines() throws {
        let trash = try #require(IMAPFolderNames.listEntry("* LIST (\\HasNoChildren \\Trash) \".\" Trash"))
        #expect(trash.attributes == ["\\HasNoChildren", "\\Trash"])
        #expect(trash.delimiter == ".")
        #expect(trash.name == "Trash")
        let root = try #require(IMAPFolderNames.listEntry("* LIST (\\Noselect) NIL \"\""))
        #expect(root.delimiter == nil)
        let quoted = try #require(IMAPFolderNames.listEntry("* LIST () \"/\" \"Parley/Pro \\\"c\\\"\""))
        #expect(quoted.name == "Parley/Pro \"c\"")
        #expect(IMAPFolderNames.listEntry("* OK fine") == nil)
        #expect(IMAPFolderNames.personalNamespace("* NAMESPACE NIL NIL ((\"\" \".\"))")?.prefix == nil)
    }
}
