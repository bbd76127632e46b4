{{ sfsync_stage('user') }}
