{{ sfsync_stage('currency_type') }}
