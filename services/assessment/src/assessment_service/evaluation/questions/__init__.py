"""Learning questions: raised, then answered by findings, reframed into a new question, or
retired."""
