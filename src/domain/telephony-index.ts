// Telephony and SMS: providers, the call / SMS / campaign services and their background dialer.
export { createTelephony, type Telephony, type TelephonyOptions, type TelephonyConfig } from './telephony.js';
export { createCallService, type CallService, type PlaceCallInput } from './calls/calls.service.js';
export { createSmsService, MAX_SMS_LENGTH, type SmsService, type SendSmsInput, type InboundSmsInput, type InboundSmsResult } from './sms/sms.service.js';
export { createCampaignService, CampaignCadenceSchema, MAX_CAMPAIGN_LEADS, type CampaignService, type CreateCampaignInput, type CampaignView } from './campaigns/campaigns.service.js';
export { createSimulatorTelephony, createSimulatorSms, simulatedOutcome, SIMULATOR_TEST_NUMBERS } from '../providers/simulator/simulator.js';
export { simulatorRecordingsRouter, synthesizeRecording } from '../providers/simulator/recordings.js';
export type { CallView, SmsView, CallStatus, TelephonyProvider, SmsProvider, DialRequest, ProviderCallEvent } from '../providers/telephony.js';
