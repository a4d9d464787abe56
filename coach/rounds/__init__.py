"""Team rounds: partners of one collaboration reflect separately; the facilitator sees where
they differ, and the balance is followed from round to round (see coach.rounds.service)."""
