"""NHS Innovation Service innovation records (document version 202304): import and export."""
