import ArgumentParser

@main
struct Custodia: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "custodia",
        abstract: "A verifiable record of who holds every weapon, component and ammunition lot.",
        subcommands: [
            Init.self, HolderCommand.self, Import.self, Record.self, Confirm.self, Where.self, History.self, Holdings.self, SummaryCommand.self,
            Demo.self, Ledger.self, Verify.self, UserCommand.self, TokenCommand.self, Serve.self, WitnessCommand.self, ReceiptCommand.self, BackupCommand.self, RestoreCommand.self, MigrateCommand.self, PolicyCommand.self, StocktakeCommand.self, SampleCommand.self, AlertsCommand.self, TraceCommand.self,
        ])
}
