{{ sfsync_stage('email_message') }}
