"""The API's work, one module per feature over a shared gate (`gate.py`: place, phase, guarded write):
`proposals`, `comments` (and reports), `supports`, `ballots` (cast, change, receipt check), `phases`
(the process's phase, staff moves, the scheduler) and `moderation` (staff). Services return records
and small results; `chalicelib.presenters` shapes them into JSON; `chalicelib.context` wires them."""
