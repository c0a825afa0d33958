"""Benefits: each project's benefits register and its dated figures."""
