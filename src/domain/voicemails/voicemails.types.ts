// A voicemail as the read tools list it, with the name of the agent whose line took the message.

export interface VoicemailRecord {
  id: string;
  callerNumber: string;
  callerName: string | null;
  agentId: string | null;
  agentName: string | null;
  callId: string | null;
  transcript: string | null;
  recordingUrl: string | null;
  durationSeconds: number | null;
  createdAt: Date;
}
