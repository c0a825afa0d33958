"""The assessment service: impact assessment, governance decisions, developmental evaluation."""
