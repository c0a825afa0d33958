"""The assessment service: impact assessment framework, governance decisions, developmental evaluation."""
