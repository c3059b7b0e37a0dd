// parley-bench: `make bench` runs it in a release build. Each benchmark is a
// subcommand; figures are printed as measured.
import Foundation

let args = CommandLine.arguments.dropFirst()
guard let which = args.first else {
    print("usage: parley-bench mail [N]")
    exit(2)
}
switch which {
case "mail":
    MailBench.run(Array(args.dropFirst()))
default:
    print("unknown benchmark \(which)")
    exit(2)
}
