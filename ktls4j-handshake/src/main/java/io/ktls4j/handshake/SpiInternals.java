package io.ktls4j.handshake;

import io.ktls4j.CipherType;
import io.ktls4j.KtlsSocket;
import io.ktls4j.handshake.spi.ClientSessionTickets;
import io.ktls4j.handshake.spi.HandshakeEngine;
import io.ktls4j.handshake.spi.Handshakes;
import io.ktls4j.handshake.spi.PostHandshakeDuties;
import io.ktls4j.handshake.spi.PostHandshakeMessages;
import io.ktls4j.handshake.spi.TrafficSecrets;
import java.io.IOException;
import java.util.Optional;

/** This module's side of {@link Handshakes}; registered when this class initialises (Handshakes loads it). */
final class SpiInternals implements Handshakes.Internals {
    static {
        Handshakes.register(new SpiInternals());
    }

    private SpiInternals() {
    }

    @Override
    public KtlsConnection adopt(KtlsSocket socket, SessionInfo session, Role role, PostHandshakeDuties duties)
            throws IOException {
        return new KtlsConnection(socket, session, role, duties, 0, 0, false);
    }

    @Override
    public Optional<TrafficSecrets> takeTrafficSecrets(KtlsConnection connection) {
        return connection.takeTrafficSecrets();
    }

    @Override
    public Optional<ClientSessionTickets> takeClientTickets(KtlsConnection connection) {
        return connection.takeClientTickets();
    }

    @Override
    public void sendSessionTickets(KtlsConnection connection, byte[] messages) throws IOException {
        if (connection.version() != io.ktls4j.TlsVersion.TLS_1_3) {
            throw new IllegalStateException("NewSessionTickets are sent on TLS 1.3 connections only");
        }
        connection.sendSessionTickets(messages.clone());
    }

    @Override
    public PostHandshakeDuties inProcessDuties(TrafficSecrets secrets) {
        return new InProcessDuties(secrets);
    }

    @Override
    public PostHandshakeDuties noDuties() {
        return NoDuties.INSTANCE;
    }

    @Override
    public HandshakeEngine newEngine(KtlsContext context, String peerHost, int peerPort) {
        context.checkPeerHost(peerHost);
        BcHandshakeEngine engine = new BcHandshakeEngine(context, peerHost);
        engine.peerPort(peerPort);
        return engine;
    }

    @Override
    public long keyUpdateRecordLimit(KtlsContext context, CipherType cipher) {
        long configured = context.keyUpdateAfterRecords();
        return configured > 0 ? configured : KeyUpdater.defaultLimit(cipher);
    }

    @Override
    public byte[] keyUpdateMessage(boolean requestPeerUpdate) {
        return PostHandshakeMessages.keyUpdate(requestPeerUpdate);
    }

    @Override
    public boolean updateRequested(byte[] message) {
        return PostHandshakeMessages.parseKeyUpdate(message);
    }
}
