"""How long a subprocess that the test suite starts may take before its test fails: a
`ketamine-care` command, a probe in a fresh interpreter, the import contracts. Each takes
seconds on an idle machine. The limit is only there to end a hung process, so it is generous:
on a machine running both test passes beside other work, such a process has taken more than
two minutes, and a test that fails then for the machine's load says nothing about the code."""

SUBPROCESS_TIMEOUT_S = 600
