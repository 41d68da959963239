-- Delivered (or permanently refused) emails no longer keep their bodies: they held live
-- activation and password-reset links in plain text. The worker now clears them when it records
-- the outcome; this clears the ones recorded before. Recipient, subject, kind, status and times
-- stay for the pages that show delivery state.
update email_outbox
set text_body = '', html_body = ''
where status <> 'pending' and (text_body <> '' or html_body <> '');
