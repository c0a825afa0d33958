"""The learning log: observations and data, editable until a sensemaking session reviews them,
then amended only by linked corrections."""
