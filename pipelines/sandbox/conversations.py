"""Phrases the demo org's support conversations are built from.

A case has a *topic* (what broke) and a *tone* that moves through the thread, from 0 (angry)
to 4 (delighted). Every customer message is an opener in the current tone, a sentence about
the topic and a closing line in the same tone; agents answer in a register that matches the
customer's mood. Because each piece is chosen by seeded indices, threads read like real
conversations while staying reproducible, and sentiment scorers (VADER and the like) see a
spread from clearly negative to clearly positive.
"""

from __future__ import annotations

from typing import NamedTuple

TONES = ("angry", "frustrated", "neutral", "satisfied", "delighted")
ANGRY, FRUSTRATED, NEUTRAL, SATISFIED, DELIGHTED = range(5)


class Topic(NamedTuple):
    key: str
    case_type: str
    reason: str
    subjects: tuple[str, ...]
    details: tuple[str, ...]  # the customer describes the problem
    actions: tuple[str, ...]  # the agent says what happens next
    notes: tuple[str, ...]  # internal notes (unpublished comments)
    resolutions: tuple[str, ...]  # the agent's closing explanation


TOPICS: tuple[Topic, ...] = (
    Topic(
        "login",
        "Problem",
        "Access",
        (
            "Users cannot log in with single sign-on",
            "SSO login loop after password change",
            "Locked out of the admin console",
        ),
        (
            "Since this morning our users get sent back to the login page every time they sign in through SSO.",
            "About half of our team cannot log in; the identity provider says the assertion is rejected.",
            "Our admin account is locked and nobody else has permission to unlock it.",
        ),
        (
            "I have asked our identity team to check the certificate on your SSO configuration.",
            "Could you send me the exact time of a failed login so I can find it in our logs?",
            "I have reset the admin lock and sent a new activation link to your primary admin.",
        ),
        (
            "IdP certificate on the tenant expired yesterday; customer uploaded the old one again.",
            "Login failures match the clock skew issue seen last week on the EU cluster.",
        ),
        (
            "The SSO certificate was renewed and logins are working again for all users.",
            "We removed the stale session policy that caused the loop; everyone can sign in now.",
        ),
    ),
    Topic(
        "sync",
        "Problem",
        "Integration",
        (
            "Data sync stopped overnight",
            "CRM sync missing yesterday's updates",
            "Duplicate records after sync",
        ),
        (
            "The nightly sync did not run and none of yesterday's account changes are showing up.",
            "Records we updated in the CRM on Monday still show the old values in your app.",
            "After the last sync we see every contact twice, with slightly different names.",
        ),
        (
            "I have restarted the sync job and I am watching it run right now.",
            "Our engineers are looking into why the incremental sync skipped those records.",
            "I am running a cleanup that merges the duplicates created by the last sync.",
        ),
        (
            "Sync worker hit the API limit at 02:10 and never retried; bumped the retry window.",
            "Duplicate contacts come from a case-sensitive email match; engineering ticket filed.",
        ),
        (
            "The sync has caught up and all changes since Monday are now in place.",
            "The duplicates were merged and the matching rule was fixed so it will not happen again.",
        ),
    ),
    Topic(
        "billing",
        "Question",
        "Billing",
        (
            "Invoice does not match our contract",
            "Charged twice this month",
            "Need a copy of last quarter's invoice",
        ),
        (
            "The invoice we received lists more seats than the number in our signed order form.",
            "Our card was charged twice for the same monthly subscription.",
            "Finance needs a copy of the invoice from last quarter with our VAT number on it.",
        ),
        (
            "I have forwarded this to our billing team together with your order form.",
            "Billing confirmed the duplicate charge and is issuing a refund.",
            "I am generating a corrected invoice with your VAT number now.",
        ),
        (
            "Seat count on the invoice came from the trial workspace; billing to credit the difference.",
            "Duplicate charge caused by a retried payment webhook.",
        ),
        (
            "A corrected invoice and a credit note are attached; the amounts now match your contract.",
            "The refund for the duplicate charge has been processed and should arrive within five days.",
        ),
    ),
    Topic(
        "performance",
        "Problem",
        "Performance",
        (
            "Dashboards are extremely slow",
            "Pages take a minute to load",
            "Timeouts on the reports page",
        ),
        (
            "Our main dashboard takes more than a minute to load and sometimes never finishes.",
            "Every page in the app has been slow since the weekend, for everyone on our team.",
            "Running the monthly report times out after thirty seconds.",
        ),
        (
            "I have asked engineering to profile the queries behind your dashboard.",
            "We found a slow database node in your region and are moving your workspace.",
            "Could you tell me which filters you use on that report so we can reproduce it?",
        ),
        (
            "Dashboard runs a full scan on the activity table; index missing after last migration.",
            "Customer's workspace on the overloaded shard; migration scheduled tonight.",
        ),
        (
            "After the index fix the dashboard now loads in about two seconds.",
            "Your workspace was moved to a faster node and page loads are back to normal.",
        ),
    ),
    Topic(
        "api",
        "Problem",
        "Integration",
        (
            "API returns 500 errors",
            "Rate limit errors from the REST API",
            "Webhook deliveries failing",
        ),
        (
            "Our integration gets HTTP 500 errors from your API on roughly one call in ten.",
            "We hit the rate limit after only a few hundred calls, far below our plan's quota.",
            "None of the webhooks have reached our endpoint since Friday.",
        ),
        (
            "Please share a request id from one of the failing calls so we can trace it.",
            "I have raised your rate limit temporarily while we investigate the counter.",
            "Engineering is checking the webhook queue for your workspace.",
        ),
        (
            "500s trace back to a timeout in the export service; hotfix in review.",
            "Rate limiter counted retries twice for this tenant.",
        ),
        (
            "The hotfix is deployed and the error rate on your integration is back to zero.",
            "We corrected the rate limit counter and redelivered all pending webhooks.",
        ),
    ),
    Topic(
        "export",
        "Problem",
        "Bug",
        (
            "Report export fails",
            "CSV export is missing columns",
            "Scheduled export email never arrives",
        ),
        (
            "Exporting the pipeline report to CSV fails with a generic error message.",
            "The CSV export leaves out the custom fields we added last month.",
            "The scheduled weekly export stopped arriving in our inbox.",
        ),
        (
            "I reproduced the export error and passed it to the reporting team.",
            "I am checking the field permissions that decide which columns get exported.",
            "I resent the last export manually while we look at the schedule.",
        ),
        (
            "Export fails on rows with emoji in the notes field; known encoding bug.",
            "Custom fields hidden by the default export template.",
        ),
        (
            "Exports now work again; the encoding bug was fixed in today's release.",
            "The export template now includes your custom fields and the schedule is running.",
        ),
    ),
    Topic(
        "permissions",
        "Question",
        "Access",
        (
            "New team members cannot see their accounts",
            "Permission error when editing records",
            "Manager cannot view team reports",
        ),
        (
            "Three people who joined last week cannot see the accounts assigned to them.",
            "Our sales reps get an insufficient permissions error when they edit an opportunity.",
            "Our team manager cannot open the reports her team created.",
        ),
        (
            "I checked the roles and the new users were added without a team assignment.",
            "The edit permission is controlled by the profile; I can walk your admin through it.",
            "Report folders are private by default; I have shared the folder with the manager.",
        ),
        (
            "Users created by the HR integration lack the default role.",
            "Profile cloned from read-only template; admin unaware.",
        ),
        (
            "The new users now have the right role and can see their accounts.",
            "With the profile updated, reps can edit opportunities again.",
        ),
    ),
    Topic(
        "notifications",
        "Problem",
        "Bug",
        (
            "Email notifications are not arriving",
            "Too many notification emails",
            "Alerts go to the wrong person",
        ),
        (
            "Nobody on our team has received task reminder emails for a week.",
            "Our users receive the same notification five or six times.",
            "Renewal alerts are going to a person who left our company months ago.",
        ),
        (
            "I am checking our mail logs for bounces from your domain.",
            "I found a duplicate notification rule and disabled it on our side.",
            "The alert recipient is set on the account owner; I can help you reassign those accounts.",
        ),
        (
            "Customer's mail server rejects our sender; SPF record missing on their side.",
            "Notification rule duplicated during the template import.",
        ),
        (
            "Reminder emails are being delivered again now that your mail server accepts our sender.",
            "The duplicate rule is gone and each notification is sent once.",
        ),
    ),
    Topic(
        "import",
        "Problem",
        "Usability",
        (
            "CSV import rejects most rows",
            "Import stuck at 90 percent",
            "Dates imported with the wrong format",
        ),
        (
            "Our contact import rejected 4,000 of 5,000 rows without saying why.",
            "The data import has been stuck at ninety percent since yesterday afternoon.",
            "All the dates in our import came out with the day and month swapped.",
        ),
        (
            "I downloaded the error file; most rows fail because of an unknown country value.",
            "I cancelled the stuck import and restarted it from the last completed batch.",
            "The import uses the locale of the user who runs it; I can change it to day-first.",
        ),
        (
            "Rows rejected for country names outside the picklist.",
            "Import worker died on a malformed quote in row 4,512.",
        ),
        (
            "The import finished after mapping the country values; all rows are in.",
            "Dates were corrected and the records re-imported with the right format.",
        ),
    ),
    Topic(
        "mobile",
        "Problem",
        "Bug",
        (
            "Mobile app crashes on launch",
            "Cannot log in on the mobile app",
            "Offline notes lost on mobile",
        ),
        (
            "The mobile app closes immediately when our field team opens it.",
            "Logging in on the phone app fails even though the same password works on the web.",
            "Notes written offline on the app disappeared once the phone reconnected.",
        ),
        (
            "Could you tell me the phone model and app version your team is using?",
            "We released a new app version this morning that addresses the login problem.",
            "I am asking the mobile team whether the offline notes can be recovered.",
        ),
        (
            "Crash limited to the previous app version on older Android devices.",
            "Offline queue discarded on token refresh; fix planned for next release.",
        ),
        (
            "The updated app no longer crashes on launch; please update from the app store.",
            "We recovered the offline notes from the device queue and restored them.",
        ),
    ),
    Topic(
        "feature",
        "Feature Request",
        "Feedback",
        (
            "Request: bulk edit for tasks",
            "Feature request: custom fields on reports",
            "Idea: dark mode",
        ),
        (
            "Our team would like to edit many tasks at once instead of one at a time.",
            "We would like to use our custom fields as columns in the standard reports.",
            "Several of our users asked whether the app could offer a dark mode.",
        ),
        (
            "I logged this request with our product team and linked it to similar ideas.",
            "Good news: custom report columns are on the roadmap for next quarter.",
            "I shared your feedback with the design team.",
        ),
        (
            "Popular request; linked to the roadmap item for bulk actions.",
            "Customer is a strong advocate; good candidate for the beta.",
        ),
        (
            "The feature is now available in beta and enabled for your workspace.",
            "This is logged on our roadmap; we will notify you when it ships.",
        ),
    ),
    Topic(
        "training",
        "Question",
        "Training",
        (
            "Need training for our new admins",
            "Onboarding session for a new team",
            "Where is the admin guide?",
        ),
        (
            "We hired two new administrators and they need a walkthrough of the setup.",
            "A new department is starting next month and needs an onboarding session.",
            "We cannot find the admin guide for the latest release.",
        ),
        (
            "I have booked a training session with our onboarding team for next week.",
            "I am sending recordings of our admin training series in the meantime.",
            "Here is the link to the current admin guide and the release notes.",
        ),
        (
            "Customer has new admins after turnover; recommend a health check call.",
            "Training request routed to onboarding.",
        ),
        (
            "The training session took place and the new admins are up to speed.",
            "Your team now has access to the guide and the recorded sessions.",
        ),
    ),
    Topic(
        "integration",
        "Problem",
        "Integration",
        (
            "Calendar integration duplicates meetings",
            "Chat integration stopped posting",
            "Email logging misses messages",
        ),
        (
            "Every meeting synced from our calendar appears twice on the activity timeline.",
            "The chat integration stopped posting deal updates to our channel.",
            "Emails sent from Outlook are no longer logged on the contact record.",
        ),
        (
            "I reconnected the calendar integration and removed the duplicate meetings.",
            "The chat app token had expired; please ask your admin to reauthorise it.",
            "I am checking the email logging connector for errors.",
        ),
        (
            "Calendar connected twice by two admins; second connection removed.",
            "Email logging connector throttled by the mail provider.",
        ),
        (
            "Meetings now sync once, and the duplicates were cleaned up.",
            "The integration is posting again after the token was renewed.",
        ),
    ),
    Topic(
        "data_quality",
        "Question",
        "Other",
        (
            "Numbers on the renewal dashboard look wrong",
            "Revenue totals differ from finance",
            "Health scores changed overnight",
        ),
        (
            "The renewal dashboard shows last year's contract values for several accounts.",
            "Total revenue in the app is about ten percent lower than in our finance system.",
            "Health scores for many of our accounts dropped overnight without any reason we can see.",
        ),
        (
            "I compared the dashboard with your contracts and found a currency conversion setting to review.",
            "I am reconciling the revenue totals account by account.",
            "The health score formula changed in the last release; I am checking its effect on your data.",
        ),
        (
            "Dashboard reads the legacy ARR field; mapping needs updating.",
            "Score drop tied to the new usage weighting; expected for low-usage accounts.",
        ),
        (
            "The dashboard now uses the current contract values and the totals match.",
            "We adjusted the score weighting for your workspace; scores are back to expected levels.",
        ),
    ),
)

CUSTOMER_OPENERS: tuple[tuple[str, ...], ...] = (
    (
        "This is completely unacceptable.",
        "I am furious about this.",
        "This is the third time this month and frankly it is ridiculous.",
        "We pay a lot of money for a product that simply does not work.",
        "I am extremely angry that nobody has fixed this yet.",
        "Terrible experience again.",
    ),
    (
        "I'm getting frustrated with this.",
        "This is becoming a real problem for us.",
        "Honestly, this is disappointing.",
        "We have already lost hours to this.",
        "Still struggling with this, unfortunately.",
        "Not great, I'm afraid.",
    ),
    (
        "Thanks for the reply.",
        "Following up on this request.",
        "Hi again.",
        "A quick update from our side.",
        "Sharing some details below.",
        "One more question.",
    ),
    (
        "Thanks for the quick help so far.",
        "We appreciate your team's support.",
        "Things are mostly working well now.",
        "Good progress on our side, thank you.",
        "Thanks, that was helpful.",
        "Nice work on the last update.",
    ),
    (
        "Your team is fantastic!",
        "We love the product, thank you so much!",
        "Wow, that was amazing service.",
        "Huge thanks, everyone here is thrilled.",
        "This is excellent, great work!",
        "Brilliant, exactly what we needed!",
    ),
)

# The first message of a case: nobody thanks support before support has done anything.
CUSTOMER_FIRST_OPENERS: tuple[tuple[str, ...], ...] = (
    CUSTOMER_OPENERS[ANGRY],
    CUSTOMER_OPENERS[FRUSTRATED],
    (
        "Hello, we need help with something.",
        "Quick question for the support team.",
        "We noticed an issue and wanted to report it.",
        "Hi team, hope you are well.",
    ),
    (
        "Hope you are doing well.",
        "Overall we are happy with the product, but one thing came up.",
        "Things have been going well, with one exception.",
        "Good morning, a small request from our side.",
    ),
    (
        "First of all, we love the product!",
        "Big fans of your platform here, quick one for you.",
        "Our team is really enjoying the new release!",
        "You have been great partners this year, thank you!",
    ),
)

CUSTOMER_FOLLOWUPS: tuple[tuple[str, ...], ...] = (
    (
        "Your last suggestion did absolutely nothing.",
        "Nobody has even bothered to call us back.",
        "We are now losing business because of this failure.",
    ),
    (
        "We tried the steps you sent but the problem is still there.",
        "It is still happening, and our team is annoyed.",
        "The workaround is slow and painful to use.",
    ),
    (
        "We tried the steps you suggested.",
        "Here is the additional information you asked for.",
        "We can reproduce it on our side as well.",
    ),
    (
        "The workaround helped and the team can keep working.",
        "It looks better now, thank you.",
        "Most users confirm it is working again.",
    ),
    (
        "The fix worked perfectly!",
        "Everything works great now, the team is happy.",
        "That solved it completely, wonderful!",
    ),
)

CUSTOMER_CLOSERS: tuple[tuple[str, ...], ...] = (
    (
        "Fix this today or we will escalate to our account executive.",
        "If this is not resolved we will reconsider our renewal.",
        "I expect a call from a manager immediately.",
        "This is simply not acceptable for a paid service.",
    ),
    (
        "Please let us know when this will be fixed.",
        "Can someone please look at this soon?",
        "We really need an update on this.",
        "Please don't let this drag on.",
    ),
    (
        "Let me know if you need more details.",
        "Thanks in advance.",
        "Please advise.",
        "Happy to jump on a call if that helps.",
    ),
    (
        "Thanks again for your help.",
        "Appreciate it!",
        "Thank you, talk soon.",
        "Thanks for staying on top of this.",
    ),
    (
        "Keep up the great work!",
        "You made our week, thank you!",
        "We will happily recommend you to our partners.",
        "Best support team we have worked with!",
    ),
)

AGENT_OPENERS: tuple[tuple[str, ...], ...] = (
    (
        "I am very sorry for the trouble this has caused.",
        "I completely understand your frustration and I apologise.",
        "I'm sorry this has happened again; I have made it my top priority.",
    ),
    (
        "Sorry about the inconvenience, and thank you for your patience.",
        "I understand this is frustrating, and I appreciate you bearing with us.",
        "Apologies for the delay on this one.",
    ),
    (
        "Thanks for reaching out.",
        "Thank you for the details.",
        "Thanks for getting in touch.",
    ),
    (
        "Glad to hear things are improving.",
        "Great to hear the workaround helped.",
        "Thanks for the update, good to hear.",
    ),
    (
        "Thank you so much for the kind words!",
        "That's wonderful to hear, thank you!",
        "We're delighted it's working well for you!",
    ),
)

AGENT_CLOSERS = (
    "I will update you as soon as I hear back from engineering.",
    "Please let me know if that helps.",
    "I'll keep this case open until you confirm everything works.",
    "Feel free to reply here with any questions.",
    "I'll check back with you tomorrow.",
)

NOTE_TAILS: tuple[tuple[str, ...], ...] = (
    (
        "Customer is very upset; flagged to the CSM and the support manager.",
        "Escalation risk, renewal mentioned.",
    ),
    ("Customer frustrated; keep updates frequent.", "Looping in the CSM."),
    ("No escalation needed.", "Standard follow-up."),
    ("Customer happy with progress.", "Good relationship."),
    ("Customer delighted; possible reference account.", "Share praise with the team."),
)

SUBJECT_PREFIXES: tuple[tuple[str, ...], ...] = (
    ("URGENT: ", "ESCALATION: ", "Still broken: ", ""),
    ("Again: ", "Follow-up: ", ""),
    ("",),
    ("",),
    ("",),
)

SIGN_OFFS = ("Best,", "Thanks,", "Regards,", "Cheers,", "Kind regards,")
