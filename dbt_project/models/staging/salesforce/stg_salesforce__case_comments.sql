{{ sfsync_stage('case_comment') }}
