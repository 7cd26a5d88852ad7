-- Front Desk (desktop; Smartsoft, AU): the tables of Smartsoft's decrypted export as this migration
-- ASSUMES them. Front Desk keeps a practice in Microsoft SQL Server with part of the data encrypted; the
-- practice must have Smartsoft decrypt and export it (help.cliniko.com/en/articles/3771399;
-- research/sources-round2.md §2.5). Nothing about the export's tables is public. The column names follow
-- Smartsoft's public PracSuite API (docs.api.pracsuite.com: client_id, first_name, surname, date_of_birth,
-- suburb, archive…) on the ASSUMPTION that the desktop product names its data the same way. A delivery's own
-- definitions are compared with these and a differing type refuses the file naming the column.

CREATE TABLE [dbo].[Businesses](
	[business_id] [int] NOT NULL,
	[business_name] [varchar](100) COLLATE Latin1_General_CI_AS NULL,
	[phone] [varchar](30) COLLATE Latin1_General_CI_AS NULL
)
GO
CREATE TABLE [dbo].[Practitioners](
	[practitioner_id] [int] NOT NULL,
	[first_name] [varchar](50) COLLATE Latin1_General_CI_AS NULL,
	[surname] [varchar](50) COLLATE Latin1_General_CI_AS NULL,
	[email] [varchar](100) COLLATE Latin1_General_CI_AS NULL,
	[provider_no] [varchar](20) COLLATE Latin1_General_CI_AS NULL,
	[active] [bit] NOT NULL
)
GO
CREATE TABLE [dbo].[Referrers](
	[referrer_id] [int] NOT NULL,
	[title] [varchar](10) COLLATE Latin1_General_CI_AS NULL,
	[first_name] [varchar](50) COLLATE Latin1_General_CI_AS NULL,
	[surname] [varchar](50) COLLATE Latin1_General_CI_AS NULL,
	[description] [varchar](100) COLLATE Latin1_General_CI_AS NULL
)
GO
CREATE TABLE [dbo].[Patients](
	[client_id] [int] NOT NULL,
	[first_name] [varchar](50) COLLATE Latin1_General_CI_AS NULL,
	[surname] [varchar](50) COLLATE Latin1_General_CI_AS NULL,
	[date_of_birth] [date] NULL,
	[gender] [varchar](10) COLLATE Latin1_General_CI_AS NULL,
	[email] [varchar](100) COLLATE Latin1_General_CI_AS NULL,
	[mobile] [varchar](30) COLLATE Latin1_General_CI_AS NULL,
	[suburb] [varchar](50) COLLATE Latin1_General_CI_AS NULL,
	[medicare_no] [varchar](12) COLLATE Latin1_General_CI_AS NULL,
	[referrer_id] [int] NULL,
	[archive] [bit] NOT NULL
)
GO
CREATE TABLE [dbo].[Appointments](
	[appointment_id] [int] NOT NULL,
	[client_id] [int] NULL,
	[practitioner_id] [int] NULL,
	[business_id] [int] NULL,
	[start_time] [datetime] NULL,
	[end_time] [datetime] NULL,
	[appointment_type] [varchar](50) COLLATE Latin1_General_CI_AS NULL,
	[status] [varchar](20) COLLATE Latin1_General_CI_AS NULL
)
GO
CREATE TABLE [dbo].[Notes](
	[note_id] [int] NOT NULL,
	[client_id] [int] NULL,
	[practitioner_id] [int] NULL,
	[appointment_id] [int] NULL,
	[created] [datetime] NULL,
	[note] [varchar](max) COLLATE Latin1_General_CI_AS NULL
)
GO
CREATE TABLE [dbo].[Invoices](
	[invoice_id] [int] NOT NULL,
	[client_id] [int] NULL,
	[invoice_no] [varchar](20) COLLATE Latin1_General_CI_AS NULL,
	[invoice_date] [date] NULL,
	[status] [varchar](20) COLLATE Latin1_General_CI_AS NULL,
	[gst] [money] NULL,
	[total] [money] NULL
)
GO
CREATE TABLE [dbo].[InvoiceItems](
	[item_id] [int] NOT NULL,
	[invoice_id] [int] NULL,
	[description] [varchar](100) COLLATE Latin1_General_CI_AS NULL,
	[quantity] [decimal](9, 2) NULL,
	[unit_price] [money] NULL,
	[amount] [money] NULL
)
GO
CREATE TABLE [dbo].[Payments](
	[payment_id] [int] NOT NULL,
	[invoice_id] [int] NULL,
	[client_id] [int] NULL,
	[paid_at] [datetime] NULL,
	[amount] [money] NULL,
	[method] [varchar](20) COLLATE Latin1_General_CI_AS NULL
)
GO
