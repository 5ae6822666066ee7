{{/* Names and labels shared by every template. */}}

{{- define "edu.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "edu.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels of one component; call with (dict "root" $ "component" "gradebook"). */}}
{{- define "edu.selector" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "edu.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "edu.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{ .Values.serviceAccount.name | default (include "edu.fullname" .) }}
{{- else -}}
{{ .Values.serviceAccount.name | default "default" }}
{{- end -}}
{{- end -}}

{{- define "edu.kafkaName" -}}{{ include "edu.fullname" . }}-kafka{{- end -}}

{{- define "edu.kafkaBootstrap" -}}
{{- if .Values.kafka.enabled -}}
{{ include "edu.kafkaName" . }}-kafka-bootstrap:9092
{{- else -}}
{{ required "kafka.externalBootstrapServers is required when kafka.enabled is false" .Values.kafka.externalBootstrapServers }}
{{- end -}}
{{- end -}}

{{/* The CloudNativePG cluster of a service; call with (dict "root" $ "service" "gradebook"). */}}
{{- define "edu.pgCluster" -}}{{ include "edu.fullname" .root }}-pg-{{ .service }}{{- end -}}

{{- define "edu.objectStoreSecret" -}}
{{- if .Values.secrets.create -}}
{{ include "edu.fullname" . }}-object-store
{{- else -}}
{{ required "objectStore.credentialsSecret (keys access-key, secret-key) is required" .Values.objectStore.credentialsSecret }}
{{- end -}}
{{- end -}}

{{- define "edu.backupSecret" -}}
{{- if .Values.secrets.create -}}
{{ include "edu.fullname" . }}-pg-backup
{{- else -}}
{{ required "postgres.backup.s3CredentialsSecret (keys ACCESS_KEY_ID, ACCESS_SECRET_KEY) is required" .Values.postgres.backup.s3CredentialsSecret }}
{{- end -}}
{{- end -}}

{{/*
The environment of one service, shared by its Deployment, its migration Job and its schema wait:
non-secret settings from the ConfigMap, then secrets and the database URL. Kubernetes expands $(VAR)
from variables defined earlier in the same list, so the URL is assembled from CloudNativePG's secret.
Call with (dict "root" $ "service" "gradebook").
*/}}
{{- define "edu.serviceEnv" -}}
{{- $root := .root -}}
{{- $prefix := upper .service -}}
- name: {{ $prefix }}_OBJECT_STORE__ACCESS_KEY
  valueFrom:
    secretKeyRef: {name: {{ include "edu.objectStoreSecret" $root }}, key: access-key}
- name: {{ $prefix }}_OBJECT_STORE__SECRET_KEY
  valueFrom:
    secretKeyRef: {name: {{ include "edu.objectStoreSecret" $root }}, key: secret-key}
{{- if $root.Values.postgres.enabled }}
- name: EDU_DB_USER
  valueFrom:
    secretKeyRef: {name: {{ include "edu.pgCluster" . }}-app, key: username}
- name: EDU_DB_PASSWORD
  valueFrom:
    secretKeyRef: {name: {{ include "edu.pgCluster" . }}-app, key: password}
- name: {{ $prefix }}_DATABASE_URL
  value: postgresql+asyncpg://$(EDU_DB_USER):$(EDU_DB_PASSWORD)@{{ include "edu.pgCluster" . }}-rw:5432/edu_{{ .service }}
{{- else }}
- name: {{ $prefix }}_DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ required "postgres.external.urlSecret is required when postgres.enabled is false" $root.Values.postgres.external.urlSecret }}
      key: {{ .service }}
{{- end }}
{{- if and $root.Values.kafka.enabled $root.Values.kafka.authentication.enabled }}
- name: {{ $prefix }}_KAFKA__SASL_PASSWORD
  valueFrom:
    # Made by Strimzi's User Operator for the service's KafkaUser.
    secretKeyRef: {name: {{ include "edu.fullname" $root }}-{{ .service }}, key: password}
{{- end }}
{{- range $key, $ref := (get $root.Values.services .service).secretEnv }}
- name: {{ $prefix }}_{{ $key }}
  valueFrom:
    secretKeyRef: {name: {{ $ref.secret }}, key: {{ $ref.key }}}
{{- end }}
{{- end -}}
