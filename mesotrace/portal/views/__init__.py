"""The portal's pages: the patient's own (`patient`), and staff's to send and revoke links
(`staff`)."""
