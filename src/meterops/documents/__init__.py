"""PDF documents the users print: work orders, payment slips, notices (ReportLab)."""
