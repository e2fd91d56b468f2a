// Command and CommandResult live in tests/Shared (Pulse.Testing), shared by every test project.
global using Pulse.Testing;
